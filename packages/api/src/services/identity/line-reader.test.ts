import fc from 'fast-check';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLines } from './line-reader.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'allot-lines-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The lines as the loader used to read them: readline over a stream. */
async function readlineLines(path: string): Promise<string[]> {
  const lines: string[] = [];
  const input = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of input) lines.push(line);
  return lines;
}

async function ourLines(path: string, chunkBytes: number): Promise<string[]> {
  const lines: string[] = [];
  await readLines(
    path,
    (bytes, bounds, count, firstLine) => {
      expect(firstLine).toBe(lines.length + 1);
      for (let i = 0; i < count; i++) {
        lines.push(bytes.toString('utf8', bounds[2 * i], bounds[2 * i + 1]));
      }
    },
    chunkBytes,
  );
  return lines;
}

describe('readLines', () => {
  it('gives the lines readline gives (LF, CRLF, lone CR), whatever the chunk boundaries', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'bc', 'é', '{"x":1}', '\n', '\r', '\r\n', ' '), {
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 16 }),
        async (parts, chunkBytes) => {
          const path = join(dir, `lines-${(n += 1)}.txt`);
          await writeFile(path, parts.join(''));
          expect(await ourLines(path, chunkBytes)).toEqual(await readlineLines(path));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a line longer than a chunk, and an empty file', async () => {
    const long = 'x'.repeat(10_000);
    const path = join(dir, 'long.txt');
    await writeFile(path, `a\n${long}\nb`);
    expect(await ourLines(path, 64)).toEqual(['a', long, 'b']);
    await writeFile(path, '');
    expect(await ourLines(path, 64)).toEqual([]);
  });

  it('throws for a file it cannot open', async () => {
    await expect(readLines(join(dir, 'missing.txt'), () => {})).rejects.toThrow(/ENOENT/);
  });
});
