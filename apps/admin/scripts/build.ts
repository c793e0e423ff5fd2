// Builds the admin app into apps/admin/dist when its sources changed since the last build.
// The server serves dist; `npm start` and the tests call this so a fresh clone shows the app.
// Run directly (`tsx scripts/build.ts`) it builds if needed and prints where.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(appDir, '../..');

/** Where the built app lives: index.html and hashed assets. */
export const adminDist = join(appDir, 'dist');
const STAMP = '.source-hash';

/** Everything a build reads from the workspace (dependencies are pinned by the lockfile). */
const inputs = [
  join(appDir, 'index.html'),
  join(appDir, 'vite.config.ts'),
  join(appDir, 'package.json'),
  join(appDir, 'scripts/build.ts'),
  join(appDir, 'src'),
  join(repoRoot, 'packages/domain/src'),
  join(repoRoot, 'pnpm-lock.yaml'),
];

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)))
    .filter((file) => !file.endsWith('.test.ts'));
}

/** A hash of the sources' contents: unlike times, it survives a checkout or a copy. */
export function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap(files)) {
    hash.update(relative(repoRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

const isCurrent = (hash: string) =>
  existsSync(join(adminDist, 'index.html')) &&
  existsSync(join(adminDist, STAMP)) &&
  readFileSync(join(adminDist, STAMP), 'utf8') === hash;

/** Assets that compress: text. Images and fonts are compressed formats already. */
const COMPRESSIBLE = /\.(?:js|css|html|svg|json|txt)$/;

/**
 * Writes `.br` and `.gz` beside each text asset, at the highest levels: assets are compressed
 * once here, not per request, and the server sends whichever the browser accepts. A sibling
 * that would not be smaller is left out, so that encoding falls back to the file itself.
 */
function precompressAssets(dir: string) {
  for (const file of files(dir).filter((path) => COMPRESSIBLE.test(path))) {
    const source = readFileSync(file);
    const encoded = {
      br: brotliCompressSync(source, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: source.length,
        },
      }),
      gz: gzipSync(source, { level: 9 }),
    };
    for (const [extension, bytes] of Object.entries(encoded))
      if (bytes.length < source.length) writeFileSync(`${file}.${extension}`, bytes);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Builds unless dist matches the sources. Builds go to a scratch directory that replaces dist in
 * one rename, so a server reading dist never sees half a build; a lock directory makes concurrent
 * callers (test files in parallel) wait for one build instead of racing.
 */
export async function ensureAdminBuild(): Promise<string> {
  const hash = sourceHash();
  if (isCurrent(hash)) return adminDist;
  const lock = join(appDir, '.build-lock');
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than any build is left from a killed process.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 5 * 60_000)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lock}`);
      await sleep(250);
    }
  }
  try {
    if (isCurrent(hash)) return adminDist;
    const scratch = join(appDir, `.dist-${process.pid}`);
    const vite = join(
      dirname(createRequire(import.meta.url).resolve('vite/package.json')),
      'bin/vite.js',
    );
    const result = spawnSync(
      process.execPath,
      [vite, 'build', '--outDir', scratch, '--logLevel', 'warn'],
      {
        cwd: appDir,
        encoding: 'utf8',
        // Whatever the caller runs under (vitest sets NODE_ENV=test), the build is a production
        // one: NODE_ENV decides which React is bundled, and the development one is three times
        // the size and slower.
        env: { ...process.env, NODE_ENV: 'production' },
      },
    );
    if (result.status !== 0) {
      rmSync(scratch, { recursive: true, force: true });
      throw new Error(`The admin app failed to build:\n${result.stdout}\n${result.stderr}`);
    }
    precompressAssets(join(scratch, 'assets'));
    writeFileSync(join(scratch, STAMP), hash);
    const old = join(appDir, `.dist-old-${process.pid}`);
    if (existsSync(adminDist)) renameSync(adminDist, old);
    renameSync(scratch, adminDist);
    rmSync(old, { recursive: true, force: true });
    return adminDist;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const wasCurrent = isCurrent(sourceHash());
  await ensureAdminBuild();
  console.log(
    wasCurrent
      ? `Admin app is up to date in ${relative(process.cwd(), adminDist) || '.'}`
      : `Built the admin app into ${relative(process.cwd(), adminDist)} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
