import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The most the pixel may weigh gzipped, in bytes (test/size.test.ts holds it to this). */
export const PIXEL_GZIP_BUDGET = 1000;

/**
 * The pixel (src/pixel.ts) as one minified script: an IIFE, so nothing leaks into the page's
 * globals but `window.allot`. The server serves this string as /script.js; it builds in a few
 * milliseconds, so no prebuilt dist is needed.
 */
export async function buildPixel(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('pixel.ts', import.meta.url))],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    // The oldest browsers with every feature the script uses (object spread, catch without a
    // binding, sendBeacon, fetch keepalive where it matters): nothing gets lowered. Older ones
    // fail to parse it, which reaches no page's error handler as a thrown error would.
    target: ['chrome66', 'edge79', 'firefox58', 'safari12'],
    // The script is written strict-clean (TypeScript checks it as a module); the "use strict"
    // prologue that tsconfig's `strict` would add is 13 bytes that change nothing it does.
    // (tsconfigRaw also keeps esbuild from reading tsconfig.json at all: the build is the same
    // from anywhere.)
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    // The script's own line: no license comments or source map references to ship.
    legalComments: 'none',
    logLevel: 'silent',
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild produced no output');
  return file.text;
}

/** Bytes of `code` gzipped at level 9, as a CDN or the server would send it. */
export function gzipSize(code: string): number {
  return gzipSync(code, { level: 9 }).length;
}
