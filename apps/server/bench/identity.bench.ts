/**
 * Identity resolution from a dataset (no database involved), at 1,000,000 and 10,000,000 ranges:
 *
 * 1. Loading: a generated JSON Lines file (IPv4 /16 to /32, one range in ten IPv6, some nested in
 *    others) naming BENCH_IDENTITY_COMPANIES companies, a person on one line in five; the time
 *    to read, validate and index it, and the process's resident memory once it is loaded. Each
 *    round loads the file in a fresh process, so a round's memory is its own; the file is
 *    generated once per size, before any round, and its generation is not timed.
 *    Goals: 1,000,000 ranges within 3 s; 10,000,000 within 30 s and 1.5 GB resident.
 * 2. Lookups (`DatasetIndex.lookup`, address text in, identity out; half the probes inside a
 *    range, half random, one in ten IPv6), in the last round's process of each size: each
 *    timed alone (median, p99) and in batches of 1,000 (mean), beside the same on a
 *    1,000-range dataset. Goal: microseconds (p99 under 10 µs).
 *
 * Sizes, rounds and companies: BENCH_IDENTITY_SIZES (default "1000000,10000000"),
 * BENCH_IDENTITY_ROUNDS (default 5 at up to 1,000,000 ranges, 3 above), BENCH_IDENTITY_COMPANIES
 * (default 100,000). The 10M file is about 2 GB in the temporary directory while the bench runs.
 *
 * Run: cd apps/server && npx tsx bench/identity.bench.ts
 */
import { defined } from '@allot/domain';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a load round reports (the child process prints it as one JSON line). */
interface Round {
  loadMs: number;
  cpuMs: number;
  records: number;
  skipped: number;
  intervals: number;
  identities: number;
  /** Resident memory after the modules are loaded, before the dataset. */
  rssBefore: number;
  /** Resident memory at the end of the load. */
  rssAfter: number;
  /** The most the process was resident at, up to the end of the load. */
  rssPeak: number;
  heapUsed: number;
  lookups?: { singleMedian: number; singleP99: number; batchedMean: number; hitRate: number };
}

const MB = 1024 * 1024;
const BATCH = 1_000;

const sortedCopy = (values: number[]) => [...values].sort((a, b) => a - b);
const percentile = (values: number[], share: number) =>
  defined(sortedCopy(values)[Math.floor(values.length * share)], 'a sample');
const median = (values: number[]) => percentile(values, 0.5);

if (process.env.BENCH_IDENTITY_LOAD) {
  await loadRound(process.env.BENCH_IDENTITY_LOAD, process.env.BENCH_IDENTITY_PROBE_FILE);
} else {
  await main();
}

/** A round, in its own process: load the file, then (given probes) time lookups. */
async function loadRound(path: string, probeFile: string | undefined) {
  const { identity } = await import('@allot/api');
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const { index, records, skipped } = await identity.loadDataset(path);
  const loadMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  const round: Round = {
    loadMs,
    cpuMs: (user + system) / 1000,
    records,
    skipped,
    intervals: index.intervals,
    identities: index.identities,
    rssBefore,
    rssAfter: process.memoryUsage().rss,
    rssPeak: process.resourceUsage().maxRSS * 1024,
    heapUsed: process.memoryUsage().heapUsed,
  };
  if (probeFile) {
    const probes = (await readFile(probeFile, 'utf8')).split('\n').filter(Boolean);
    let found = 0; // consumed, so no lookup can be optimised away
    for (const ip of probes) if (index.lookup(ip)) found += 1;
    const hitRate = found / probes.length;
    const single: number[] = [];
    const batched: number[] = [];
    for (let r = 0; r < 3; r++) {
      for (const ip of probes) {
        const start = process.hrtime.bigint();
        if (index.lookup(ip)) found += 1;
        single.push(Number(process.hrtime.bigint() - start));
      }
      for (let i = 0; i + BATCH <= probes.length; i += BATCH) {
        const batch = probes.slice(i, i + BATCH);
        const start = process.hrtime.bigint();
        for (const ip of batch) if (index.lookup(ip)) found += 1;
        batched.push(Number(process.hrtime.bigint() - start) / BATCH);
      }
    }
    round.lookups = {
      singleMedian: median(single),
      singleP99: percentile(single, 0.99),
      batchedMean: median(batched),
      hitRate,
    };
  }
  console.log(JSON.stringify(round));
}

async function main() {
  const { identity } = await import('@allot/api');
  const { formatIPv4, formatIPv6 } = identity;
  const sizes = (process.env.BENCH_IDENTITY_SIZES ?? '1000000,10000000')
    .split(',')
    .map((size) => Number(size));
  const COMPANIES = Number(process.env.BENCH_IDENTITY_COMPANIES ?? 100_000);
  const PROBES = 100_000;

  // A seeded generator: the same datasets and probes every run.
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const below = (n: number) => Math.floor(random() * n);

  interface Range {
    family: 4 | 6;
    start: bigint | number;
    prefix: number;
  }
  /** A random range: IPv4 mostly /24 to /32, sometimes wider (and so holding others), or IPv6. */
  const randomRange = (): Range => {
    if (random() < 0.1) {
      const prefix = 32 + below(33); // /32 to /64
      const value = (BigInt(below(2 ** 32)) << 96n) | (BigInt(below(2 ** 32)) << 64n);
      const size = 1n << BigInt(128 - prefix);
      return { family: 6, start: value - (value % size), prefix };
    }
    const prefix = random() < 0.05 ? 16 + below(8) : 24 + below(9);
    const size = 2 ** (32 - prefix);
    const value = below(2 ** 32);
    return { family: 4, start: value - (value % size), prefix };
  };
  // Each company's JSON, made once: the lines are what JSON.stringify({ cidr, company, person })
  // writes, put together from parts so that ten million of them take seconds, not minutes.
  const companies = Array.from({ length: COMPANIES }, (_, c) =>
    JSON.stringify({
      name: `Company ${c} Ltd`,
      domain: `company-${c}.example`,
      industry: ['Software', 'Retail', 'Finance', 'Logistics'][c % 4],
      employeeCount: (c % 5000) + 1,
      revenue: (c % 997) * 100_000,
      country: ['GB', 'DE', 'FR', 'US'][c % 4],
    }),
  );
  const line = (range: Range, i: number) => {
    const c = below(COMPANIES);
    const cidr =
      range.family === 4
        ? `${formatIPv4(range.start as number)}/${range.prefix}`
        : `${formatIPv6(range.start as bigint)}/${range.prefix}`;
    const person =
      i % 5 === 0
        ? `,"person":{"email":"person${i}@company-${c}.example","firstName":"Alex","lastName":"Example${i}","title":"Head of Operations"}`
        : '';
    return `{"cidr":"${cidr}","company":${defined(companies[c], 'a company')}${person}}`;
  };

  /** Writes a dataset; returns a sample of its ranges (every one for a small dataset) for probes. */
  async function writeDataset(path: string, count: number): Promise<Range[]> {
    const out = createWriteStream(path);
    const sample: Range[] = [];
    const every = Math.max(1, Math.floor(count / PROBES));
    let chunk: string[] = [];
    for (let i = 0; i < count; i++) {
      const range = randomRange();
      if (i % every === 0) sample.push(range);
      chunk.push(line(range, i));
      if (chunk.length === 10_000 || i === count - 1) {
        if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
        chunk = [];
      }
    }
    out.end();
    await once(out, 'finish');
    return sample;
  }

  /** Probe addresses: half inside one of `ranges`, half anywhere; one in ten IPv6. */
  function probesFor(ranges: Range[]): string[] {
    const byFamily = {
      4: ranges.filter((r) => r.family === 4),
      6: ranges.filter((r) => r.family === 6),
    };
    return Array.from({ length: PROBES }, () => {
      const family = random() < 0.1 ? 6 : 4;
      const candidates = byFamily[family];
      if (random() < 0.5 && candidates.length > 0) {
        const range = defined(candidates[below(candidates.length)], 'a range');
        if (range.family === 4) {
          return formatIPv4((range.start as number) + below(2 ** (32 - range.prefix)));
        }
        const offset = BigInt(below(2 ** 32)) % (1n << BigInt(128 - range.prefix));
        return formatIPv6((range.start as bigint) + offset);
      }
      return family === 6
        ? formatIPv6((BigInt(below(2 ** 32)) << 96n) | BigInt(below(2 ** 32)))
        : formatIPv4(below(2 ** 32));
    });
  }

  /** One round in a fresh process (this file, in its load mode, with the same loader flags). */
  async function round(path: string, probeFile?: string): Promise<Round> {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1] ?? ''], {
      env: {
        ...process.env,
        BENCH_IDENTITY_LOAD: path,
        ...(probeFile && { BENCH_IDENTITY_PROBE_FILE: probeFile }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`a load round exited with ${code}`);
    return JSON.parse(defined(output.trim().split('\n').at(-1), 'the round')) as Round;
  }

  const dir = await mkdtemp(join(tmpdir(), 'allot-identity-bench-'));
  const results: { size: number; fileBytes: number; generateMs: number; rounds: Round[] }[] = [];
  try {
    for (const size of [1_000, ...sizes]) {
      const path = join(dir, `ranges-${size}.jsonl`);
      const probeFile = join(dir, `probes-${size}.txt`);
      const generated = performance.now();
      const sample = await writeDataset(path, size);
      await writeFile(probeFile, probesFor(sample).join('\n'));
      const generateMs = performance.now() - generated;
      const fileBytes = (await stat(path)).size;
      const count = Number(
        process.env.BENCH_IDENTITY_ROUNDS ?? (size === 1_000 ? 1 : size <= 1_000_000 ? 5 : 3),
      );
      const rounds: Round[] = [];
      for (let r = 0; r < count; r++) {
        const result = await round(path, r === count - 1 ? probeFile : undefined);
        if (result.skipped !== 0 || result.records !== size) {
          throw new Error(`the generated dataset did not load cleanly: ${JSON.stringify(result)}`);
        }
        rounds.push(result);
        console.error(
          `${size.toLocaleString('en')} ranges, round ${r + 1}/${count}: ` +
            `${(result.loadMs / 1000).toFixed(2)} s, ${(result.rssAfter / MB).toFixed(0)} MB`,
        );
      }
      results.push({ size, fileBytes, generateMs, rounds });
      await rm(path);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const spread = (values: number[], unit: (v: number) => string) =>
    `${unit(median(values))} (${unit(Math.min(...values))}–${unit(Math.max(...values))})`;
  const seconds = (ms: number) => (ms / 1000).toFixed(2);
  const megabytes = (bytes: number) => (bytes / MB).toFixed(0);
  console.log(
    `\nNode ${process.version}; ${COMPANIES.toLocaleString('en')} companies; ` +
      `median (min–max) of the rounds, each in a fresh process\n`,
  );
  console.table(
    results.map(({ size, fileBytes, generateMs, rounds }) => ({
      ranges: size.toLocaleString('en'),
      'file MB': megabytes(fileBytes),
      'generated s': seconds(generateMs),
      rounds: rounds.length,
      'load s': spread(
        rounds.map((r) => r.loadMs),
        seconds,
      ),
      'cpu s': spread(
        rounds.map((r) => r.cpuMs),
        seconds,
      ),
      'ranges/s': Math.round(size / (median(rounds.map((r) => r.loadMs)) / 1000)).toLocaleString(
        'en',
      ),
      'RSS before MB': megabytes(median(rounds.map((r) => r.rssBefore))),
      'RSS after load MB': spread(
        rounds.map((r) => r.rssAfter),
        megabytes,
      ),
      'peak RSS MB': megabytes(median(rounds.map((r) => r.rssPeak))),
      'heap MB': megabytes(median(rounds.map((r) => r.heapUsed))),
      intervals: defined(rounds[0], 'a round').intervals.toLocaleString('en'),
      identities: defined(rounds[0], 'a round').identities.toLocaleString('en'),
    })),
  );

  console.log(`\nlookups: ${PROBES.toLocaleString('en')} probes x 3 rounds, after the last load\n`);
  console.table(
    results.map(({ size, rounds }) => {
      const lookups = defined(rounds.at(-1)?.lookups, 'the lookups');
      return {
        ranges: size.toLocaleString('en'),
        'hit rate': `${(100 * lookups.hitRate).toFixed(0)}%`,
        'single median ns': Math.round(lookups.singleMedian),
        'single p99 ns': Math.round(lookups.singleP99),
        'batched mean ns': Math.round(lookups.batchedMean),
      };
    }),
  );

  const goals: { goal: string; measured: string; met: boolean }[] = [];
  for (const { size, rounds } of results) {
    const load = median(rounds.map((r) => r.loadMs));
    const rss = median(rounds.map((r) => r.rssAfter));
    const p99 = defined(rounds.at(-1)?.lookups, 'the lookups').singleP99;
    if (size === 1_000_000) {
      goals.push({
        goal: '1,000,000 ranges load ≤ 3 s',
        measured: `${seconds(load)} s`,
        met: load <= 3_000,
      });
    }
    if (size === 10_000_000) {
      goals.push({
        goal: '10,000,000 ranges load ≤ 30 s',
        measured: `${seconds(load)} s`,
        met: load <= 30_000,
      });
      goals.push({
        goal: '10,000,000 ranges resident ≤ 1.5 GB after the load',
        measured: `${megabytes(rss)} MB`,
        met: rss <= 1.5 * 1024 * MB,
      });
    }
    if (size >= 1_000_000) {
      goals.push({
        goal: `${size.toLocaleString('en')} ranges lookup p99 < 10 µs`,
        measured: `${(p99 / 1000).toFixed(2)} µs`,
        met: p99 < 10_000,
      });
    }
  }
  console.log('');
  console.table(
    goals.map(({ goal, measured, met }) => ({ goal, measured, '': met ? 'met' : 'MISSED' })),
  );
}
