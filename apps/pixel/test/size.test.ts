import { describe, expect, it } from 'vitest';
import { buildPixel, gzipSize, PIXEL_GZIP_BUDGET } from '../src/build.ts';

describe('the built pixel', () => {
  it(`weighs at most ${PIXEL_GZIP_BUDGET} bytes gzipped`, async () => {
    const code = await buildPixel();
    expect(gzipSize(code)).toBeLessThanOrEqual(PIXEL_GZIP_BUDGET);
  });

  it('is one self-contained classic script', async () => {
    const code = await buildPixel();
    // Nothing to load (zod would have been imported at runtime, not just its types), no module
    // syntax a classic <script> cannot run, one line of minified code in one IIFE.
    expect(code).not.toMatch(/\bimport\b|\brequire\(|\bexport\b|zod/);
    expect(code).toMatch(/^\(\(\)=>\{.*\}\)\(\);\n$/s);
    expect(code.trim().split('\n')).toHaveLength(1);
    // Its strings and keys are the contract's (@allot/domain ingest.ts).
    for (const piece of [
      '"/collect"',
      '"pageview"',
      '"engage"',
      '"identify"',
      'k:',
      'v:',
      'e:',
      'u:',
    ])
      expect(code).toContain(piece);
  });
});
