import { identityRecordSchema, type Identity } from '@allot/domain';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseCidr } from './cidr.ts';
import { createIndexBuilder, type DatasetIndex } from './range-index.ts';
import type { IdentityLog, IdentityResolver } from './resolver.ts';

export type { DatasetIndex } from './range-index.ts';

export interface DatasetError {
  /** 1-based, counting blank lines, as an editor shows it. */
  line: number;
  message: string;
}

export interface DatasetLoad {
  index: DatasetIndex;
  /** The first `maxErrors` lines skipped, in file order. */
  errors: DatasetError[];
  /** Every line skipped (may exceed `errors.length`). */
  skipped: number;
  /** Lines loaded into the index. */
  records: number;
  /** The persons of the dataset by email (lower-cased), for an `identify` hint. */
  emails: Map<string, Identity>;
}

export interface DatasetLoadOptions {
  /**
   * How many skipped lines to describe. A file in the wrong format would otherwise describe
   * each of its million lines, in memory. Default 1,000.
   */
  maxErrors?: number;
}

/**
 * Loads an identity dataset: JSON Lines, one `identityRecordSchema` object per line (a CIDR
 * range and who is behind it). Streams the file, so memory holds the index, not the text.
 *
 * A malformed line (not JSON, failing the schema, a bad CIDR) is skipped and reported with its
 * line number; blank lines are ignored. Only a file that cannot be read throws.
 *
 * Overlapping ranges: the most specific (longest prefix) wins; the same range on several lines:
 * the last line wins, so a dataset can be corrected by appending. A line naming neither a
 * company nor a person says nobody is known there, even inside a wider range.
 */
export async function loadDataset(
  path: string,
  options: DatasetLoadOptions = {},
): Promise<DatasetLoad> {
  const maxErrors = options.maxErrors ?? 1_000;
  // Opened first so a missing file throws here, not as a stream error mid-iteration.
  const file = await open(path);
  // Read in 1 MiB chunks: the default 64 KiB means a thread-pool round trip every ~200 lines.
  const input = file.createReadStream({ highWaterMark: 1 << 20 });
  const lines = createInterface({ input, crlfDelay: Infinity });
  const builder = createIndexBuilder();
  const errors: DatasetError[] = [];
  const emails = new Map<string, Identity>();
  let skipped = 0;
  let records = 0;
  let line = 0;

  const skip = (message: string) => {
    skipped += 1;
    if (errors.length < maxErrors) errors.push({ line, message });
  };

  try {
    for await (const raw of lines) {
      line += 1;
      const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
      if (text === '') continue;

      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        skip(`invalid JSON: ${(error as Error).message}`);
        continue;
      }
      const parsed = identityRecordSchema.safeParse(json);
      if (!parsed.success) {
        skip(
          parsed.error.issues
            .map((issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`)
            .join('; '),
        );
        continue;
      }
      const cidr = parseCidr(parsed.data.cidr);
      if (!cidr.ok) {
        skip(`cidr: ${cidr.reason}`);
        continue;
      }
      const { company, person } = parsed.data;
      const identity: Identity = {};
      if (company) identity.company = company;
      if (person) identity.person = person;
      builder.add(cidr.range, company || person ? identity : null);
      if (person?.email) emails.set(person.email.toLowerCase(), identity);
      records += 1;
    }
  } finally {
    lines.close();
    await file.close();
  }
  return { index: builder.build(), errors, skipped, records, emails };
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
): Promise<{ resolver: IdentityResolver } & Omit<DatasetLoad, 'index' | 'emails'>> {
  const started = performance.now();
  const { index, emails, ...report } = await loadDataset(path, options);
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
        if (email)
          return Promise.resolve(current ? (emails.get(email.toLowerCase()) ?? null) : null);
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
