// `pnpm --filter @allot/pixel build`: the pixel as a file, dist/pixel.js, for a CDN or a look.
// The server needs none of it: it builds the script in memory (buildPixel) when it starts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildPixel, gzipSize } from '../src/build.ts';

const code = await buildPixel();
const dist = new URL('../dist/', import.meta.url);
mkdirSync(dist, { recursive: true });
writeFileSync(new URL('pixel.js', dist), code);
console.log(`dist/pixel.js: ${Buffer.byteLength(code)} bytes, ${gzipSize(code)} gzipped`);
