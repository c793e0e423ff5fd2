import { defined } from '@allot/domain';
import { parseCidr, readIPv4Cidr } from './cidr.ts';
import { hashBytes, IdentityStore } from './identity-store.ts';
import { readLines } from './line-reader.ts';
import { buildIndex, type DatasetIndex } from './range-index.ts';
import { RangeSet } from './range-set.ts';
import { cidrLength, fastReadingEnabled, readIdentityFast, readRecord } from './record-reading.ts';
import type { IdentityLog, IdentityResolver } from './resolver.ts';

export type { DatasetIndex } from './range-index.ts';

export interface DatasetError {
  /** 1-based, counting blank lines, as an editor shows it. */
  line: number;
  message: string;
}

export interface DatasetLoad {
  /** The ranges, and the identities behind them (also by a person's email). */
  index: DatasetIndex;
  /** The first `maxErrors` lines skipped, in file order. */
  errors: DatasetError[];
  /** Every line skipped (may exceed `errors.length`). */
  skipped: number;
  /** Lines loaded into the index. */
  records: number;
}

export interface DatasetLoadOptions {
  /**
   * How many skipped lines to describe. A file in the wrong format would otherwise describe
   * each of its million lines, in memory. Default 1,000.
   */
  maxErrors?: number;
  /** Identities kept parsed for repeated lookups (the rest are parsed when asked for). Default 65,536. */
  cachedIdentities?: number;
}

// The bytes of the line form the fast reading takes: `{"cidr":"<range>",<the rest>}`, as
// `JSON.stringify({ cidr, company, person })` writes it.
const LINE_OPENING = Buffer.from('{"cidr":"');
const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const BACKSLASH = 0x5c;

/** The characters of a CIDR range that needs no JSON unescaping: hex digits, `.`, `:` and `/`. */
const CIDR_CHARS = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF.:/') CIDR_CHARS[c.charCodeAt(0)] = 1;

/** Lines looked ahead in (see loadDataset): their slots and texts stay in the caches. */
const BATCH = 256;

/**
 * Where the `cidr` value of a line in the fast form (`{"cidr":"<range>",...}` or, naming nobody,
 * `{"cidr":"<range>"}`) ends: the index of its closing quote; -1 for a line in any other form.
 */
function fastFormCidrEnd(bytes: Buffer, start: number, end: number): number {
  if (end - start < LINE_OPENING.length + 2 || bytes[end - 1] !== CLOSE_BRACE) return -1;
  // Byte by byte: Buffer#compare's call costs more than comparing nine bytes.
  for (let i = 0; i < LINE_OPENING.length; i++) {
    if (bytes[start + i] !== LINE_OPENING[i]) return -1;
  }
  const cidrStart = start + LINE_OPENING.length;
  let cidrEnd = cidrStart;
  while (cidrEnd < end && CIDR_CHARS[bytes[cidrEnd] ?? 0] === 1) cidrEnd++;
  const length = cidrEnd - cidrStart;
  if (bytes[cidrEnd] !== QUOTE || length < cidrLength.min || length > cidrLength.max) return -1;
  const after = bytes[cidrEnd + 1];
  if (after === COMMA || (after === CLOSE_BRACE && cidrEnd + 2 === end)) return cidrEnd;
  return -1;
}

/**
 * Loads an identity dataset: JSON Lines, one `identityRecordSchema` object per line (a CIDR
 * range and who is behind it). Reads the file in large chunks; memory holds the index and each
 * distinct identity's text once, not the file.
 *
 * A malformed line (not JSON, failing the schema, a bad CIDR) is skipped and reported with its
 * line number; blank lines are ignored. Only a file that cannot be read throws.
 *
 * Overlapping ranges: the most specific (longest prefix) wins; the same range on several lines:
 * the last line wins, so a dataset can be corrected by appending. A line naming neither a
 * company nor a person says nobody is known there, even inside a wider range. Of lines naming
 * the same person's email, the last one's identity answers for it.
 *
 * Speed: a line in the form `JSON.stringify` writes with the `cidr` first is read from its bytes
 * (the range parsed in place; the rest looked up among the identities already read, and parsed
 * and checked only the first time it is met). Any other line is decoded and parsed in full, with
 * the same result, at about a third of the speed.
 */
export async function loadDataset(
  path: string,
  options: DatasetLoadOptions = {},
): Promise<DatasetLoad> {
  const maxErrors = options.maxErrors ?? 1_000;
  const store = new IdentityStore({ cached: options.cachedIdentities ?? 65_536 });
  const ranges = new RangeSet();
  const errors: DatasetError[] = [];
  let skipped = 0;
  let records = 0;

  const skip = (line: number, message: string) => {
    skipped += 1;
    if (errors.length < maxErrors) errors.push({ line, message });
  };
  const indexed = (record: number, line: number) => {
    if (record >= 0) store.seen(record, line);
    records += 1;
  };

  /**
   * The fast reading of a line whose `cidr` value ends at `cidrEnd` (see `fastFormCidrEnd`),
   * its rest hashed as `hash`; false when the line must be read in full instead.
   */
  const readLineBytes = (
    bytes: Buffer,
    start: number,
    end: number,
    line: number,
    cidrEnd: number,
    hash: number,
  ): boolean => {
    const cidrStart = start + LINE_OPENING.length;
    const nobody = bytes[cidrEnd + 1] === CLOSE_BRACE;

    // The range first: a line with a bad range and more wrong with it is read in full, so its
    // error is the one the schema words (the schema is checked before the range).
    const packed = readIPv4Cidr(bytes, cidrStart, cidrEnd);
    let range = null;
    if (packed < 0) {
      const parsed = parseCidr(bytes.toString('latin1', cidrStart, cidrEnd));
      if (!parsed.ok) return false;
      range = parsed.range;
    }

    let record = -1;
    if (!nobody) {
      const restStart = cidrEnd + 2;
      record = store.find(bytes, restStart, end, hash);
      if (record < 0) {
        let json: unknown;
        // Parsed as `{` + the rest, in place: the comma before it becomes the brace for the
        // length of the decoding (no string concatenated to the rest, a copy per record).
        bytes[cidrEnd + 1] = OPEN_BRACE;
        const restText = bytes.toString('utf8', cidrEnd + 1, end);
        bytes[cidrEnd + 1] = COMMA;
        try {
          json = JSON.parse(restText);
        } catch {
          return false; // the line's own parse words the error
        }
        // An empty rest (`{"cidr":"…",}` is not JSON), or a second `cidr` key (which JSON.parse
        // would let win): the line as a whole decides.
        const keys = Object.keys(json as object);
        if (keys.length === 0 || keys.includes('cidr')) return false;
        let storable = true;
        for (let i = restStart; i < end && storable; i++) storable = bytes[i] !== BACKSLASH;
        const identity = readIdentityFast(json, storable);
        if (identity === undefined) return false;
        if (identity) record = store.addText(bytes, restStart, end, hash, identity);
      }
    }
    if (range) ranges.add(range, record);
    else {
      const prefix = packed % 64;
      ranges.addIPv4((packed - prefix) / 64, prefix, record);
    }
    indexed(record, line);
    return true;
  };

  /** A line decoded and read as a whole: what every line used to cost, and the errors' wording. */
  const readLineText = (raw: string, line: number) => {
    const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (text === '') return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      skip(line, `invalid JSON: ${(error as Error).message}`);
      return;
    }
    const read = readRecord(json, !text.includes('\\'));
    if (!read.ok) {
      skip(line, read.message);
      return;
    }
    const cidr = parseCidr(read.cidr);
    if (!cidr.ok) {
      skip(line, `cidr: ${cidr.reason}`);
      return;
    }
    const record = read.identity ? store.addIdentity(read.identity) : -1;
    ranges.add(cidr.range, record);
    indexed(record, line);
  };

  // Lines are read in batches, in four sweeps: the first finds the lines in the fast form and
  // hashes their rest; the second touches the table slot each hash leads to; the third the
  // record text a slot leads to; the fourth reads the lines, in order. At millions of records
  // the table and the texts are far larger than the caches, and a line is two memory round
  // trips (a slot, a text) the processor cannot start before the line's hash is known. Touched
  // for a batch of lines together, they are fetched at once, not one after another.
  const cidrEnds = new Int32Array(BATCH);
  const hashes = new Int32Array(BATCH);
  await readLines(path, (bytes, bounds, count, firstLine) => {
    const bound = (i: number) => defined(bounds[i], 'a line bound');
    for (let from = 0; from < count; from += BATCH) {
      const n = Math.min(BATCH, count - from);
      for (let b = 0; b < n; b++) {
        const start = bound(2 * (from + b));
        const end = bound(2 * (from + b) + 1);
        const cidrEnd = fastReadingEnabled ? fastFormCidrEnd(bytes, start, end) : -1;
        cidrEnds[b] = cidrEnd;
        if (cidrEnd >= 0 && bytes[cidrEnd + 1] === COMMA) {
          hashes[b] = hashBytes(bytes, cidrEnd + 2, end);
        }
      }
      // Loops of touches alone, so that many are in flight at once (a touch amid a line's other
      // work waits for the processor to get through that work first).
      for (let b = 0; b < n; b++) {
        if (defined(cidrEnds[b], 'a cidr end') >= 0) store.touchSlot(defined(hashes[b], 'a hash'));
      }
      for (let b = 0; b < n; b++) {
        if (defined(cidrEnds[b], 'a cidr end') >= 0) store.touchText(defined(hashes[b], 'a hash'));
      }
      for (let b = 0; b < n; b++) {
        const start = bound(2 * (from + b));
        const end = bound(2 * (from + b) + 1);
        const line = firstLine + from + b;
        const cidrEnd = defined(cidrEnds[b], 'a cidr end');
        const hash = defined(hashes[b], 'a hash');
        if (cidrEnd >= 0 && readLineBytes(bytes, start, end, line, cidrEnd, hash)) continue;
        readLineText(bytes.toString('utf8', start, end), line);
      }
    }
  });
  return { index: buildIndex(ranges, store), errors, skipped, records };
}

export interface DatasetResolverOptions extends DatasetLoadOptions {
  log?: IdentityLog;
}

/** Lines described in the log; the rest are in `errors`. */
const LOGGED_ERRORS = 10;

/**
 * An IdentityResolver over a dataset file, loaded once, answering from memory. Returns the load
 * report beside it, so the caller can show or refuse a dataset with skipped lines.
 */
export async function createDatasetResolver(
  path: string,
  options: DatasetResolverOptions = {},
): Promise<{ resolver: IdentityResolver } & Omit<DatasetLoad, 'index'>> {
  const started = performance.now();
  const { index, ...report } = await loadDataset(path, options);
  const log = options.log;
  if (log) {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    log.info(
      `identity dataset ${path}: ${report.records} ranges loaded in ${seconds} s, ${report.skipped} lines skipped`,
    );
    for (const error of report.errors.slice(0, LOGGED_ERRORS)) {
      log.warn(`identity dataset ${path}:${error.line}: ${error.message}`);
    }
  }

  let current: DatasetIndex | null = index;
  const resolver: IdentityResolver = {
    resolve(ip, _userAgent, email) {
      try {
        if (email) return Promise.resolve(current?.lookupEmail(email) ?? null);
        return Promise.resolve(current?.lookup(ip) ?? null);
      } catch {
        return Promise.resolve(null); // the contract: never throws
      }
    },
    close() {
      current = null; // lets the index be collected
    },
  };
  return { resolver, ...report };
}
