import { open, type FileHandle } from 'node:fs/promises';

/**
 * Consecutive lines of the file: line `firstLine + i` (1-based, blank lines counted) is
 * `bytes[bounds[2i]..bounds[2i + 1])`, without its line break, for i below `count`. The bytes
 * and bounds are valid during the call only.
 */
export type LinesHandler = (
  bytes: Buffer,
  bounds: Uint32Array,
  count: number,
  firstLine: number,
) => void;

const LF = 10;
const CR = 13;

/**
 * Hands the lines of the file to `onLines` as bytes, a chunk's worth at a time: the lines
 * readline would give (`\n`, `\r\n` and a lone `\r` end a line), without decoding a string per
 * line or a stream's event per chunk, and in batches a caller can look ahead in. The file is
 * read in large chunks into two buffers in turn, so the next chunk is read (on the thread pool)
 * while this one is handled. A file that cannot be opened throws here.
 */
export async function readLines(
  path: string,
  onLines: LinesHandler,
  chunkBytes = 4 << 20,
): Promise<void> {
  const file = await open(path);
  const buffers = [Buffer.allocUnsafeSlow(chunkBytes), Buffer.allocUnsafeSlow(chunkBytes)] as const;
  let pending: ReturnType<FileHandle['read']> | null = null;
  let bounds = new Uint32Array(1 << 16);
  try {
    let turn: 0 | 1 = 0;
    let position = 0;
    let line = 0;
    /** The start of a line the previous chunk ended inside. */
    let carry: Buffer | null = null;
    /** The previous chunk ended with `\r`: a `\n` opening this one belongs to that line break. */
    let afterCR = false;
    pending = file.read(buffers[0], 0, chunkBytes, 0);
    for (;;) {
      const { bytesRead } = await pending;
      pending = null;
      if (bytesRead === 0) break;
      const buffer = buffers[turn];
      position += bytesRead;
      turn = turn === 0 ? 1 : 0;
      pending = file.read(buffers[turn], 0, chunkBytes, position);

      const chunk = buffer.subarray(0, bytesRead);
      const n = chunk.length;
      let i = afterCR && chunk[0] === LF ? 1 : 0;
      afterCR = false;
      let lf = chunk.indexOf(LF, i);
      let cr = chunk.indexOf(CR, i);
      let count = 0;
      for (;;) {
        if (lf !== -1 && lf < i) lf = chunk.indexOf(LF, i);
        if (cr !== -1 && cr < i) cr = chunk.indexOf(CR, i);
        const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
        if (end === -1) break;
        line += 1;
        if (carry) {
          // The line the last chunk ended inside, whole: a batch of its own, before this chunk's.
          const joined = Buffer.concat([carry, chunk.subarray(i, end)]);
          carry = null;
          onLines(joined, Uint32Array.of(0, joined.length), 1, line);
        } else {
          if (count * 2 === bounds.length) {
            const grown = new Uint32Array(bounds.length * 2);
            grown.set(bounds);
            bounds = grown;
          }
          bounds[count * 2] = i;
          bounds[count * 2 + 1] = end;
          count += 1;
        }
        if (end === cr) {
          if (end + 1 === n) afterCR = true;
          i = end + 1 < n && chunk[end + 1] === LF ? end + 2 : end + 1;
        } else {
          i = end + 1;
        }
      }
      // The chunk's lines are the last `count` counted.
      if (count > 0) onLines(chunk, bounds, count, line - count + 1);
      if (i < n) {
        // Copied: the buffer is read into again two chunks on.
        const rest = chunk.subarray(i);
        carry = carry ? Buffer.concat([carry, rest]) : Buffer.from(rest);
      }
    }
    if (carry) onLines(carry, Uint32Array.of(0, carry.length), 1, line + 1);
  } finally {
    // A read still in flight (when a handler threw) must finish before the handle closes.
    await pending?.catch(() => undefined);
    await file.close();
  }
}
