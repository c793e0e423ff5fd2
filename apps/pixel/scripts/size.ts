// `pnpm --filter @allot/pixel size`: what the pixel weighs, raw and as served gzipped.
import { buildPixel, gzipSize, PIXEL_GZIP_BUDGET } from '../src/build.ts';

const code = await buildPixel();
const gzip = gzipSize(code);
console.table({
  raw: { bytes: Buffer.byteLength(code) },
  gzip: { bytes: gzip, budget: PIXEL_GZIP_BUDGET, left: PIXEL_GZIP_BUDGET - gzip },
});
if (gzip > PIXEL_GZIP_BUDGET) process.exitCode = 1;
