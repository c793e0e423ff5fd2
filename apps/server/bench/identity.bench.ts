import { defined } from '@allot/domain';
/**
 * Identity resolution from a dataset at 1,000,000 ranges (no database involved):
 *
 * 1. Loading: a generated JSON Lines file of BENCH_IDENTITY_RANGES ranges (IPv4 /16 to /32, one
 *    in ten IPv6, some nested in others) naming BENCH_IDENTITY_COMPANIES companies, a person on
 *    one line in five; the time to stream, validate and index it, and the heap the index keeps.
 *    Target: a few (5) seconds.
 * 2. Lookups (`DatasetIndex.lookup`, address text in, identity out; half the probes inside a
 *    range, half random, one in ten IPv6): each timed alone (median, p99) and in batches of
 *    1,000 (mean), against the same probes on a 1,000-range index built the same way and a
 *    `Map.get` of 1,000 address strings, all measured in this run. Target: microseconds (p99
 *    under 10 µs); the ratio to the 1,000-range index shows what the size costs.
 *
 * Lookup cases run in several rounds, interleaved (a different order each round); the table
 * pools every round's samples.
 *
 * Run: cd apps/server && npx tsx bench/identity.bench.ts
 */
import { once } from 'node:events';
import { median, percentile, rotated } from './setup.ts';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { identity } from '@allot/api';

const { formatIPv4, formatIPv6, loadDataset } = identity;
type DatasetIndex = identity.DatasetIndex;

const RANGES = Number(process.env.BENCH_IDENTITY_RANGES ?? 1_000_000);
const COMPANIES = Number(process.env.BENCH_IDENTITY_COMPANIES ?? 100_000);
const SMALL = 1_000;
const PROBES = Number(process.env.BENCH_IDENTITY_PROBES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_IDENTITY_ROUNDS ?? 5);
const BATCH = 1_000;

const p99 = (values: number[]) => percentile(values, 0.99);

// A collection on demand, for heap figures that count what is retained, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

// A seeded generator: the same dataset and probes every run.
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

/** A random range: IPv4 mostly /24 to /29, sometimes wider (and so holding others), or IPv6. */
function randomRange(): Range {
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
}

function line(range: Range, i: number): string {
  const c = below(COMPANIES);
  const company = {
    name: `Company ${c} Ltd`,
    domain: `company-${c}.example`,
    industry: ['Software', 'Retail', 'Finance', 'Logistics'][c % 4],
    employeeCount: (c % 5000) + 1,
    revenue: (c % 997) * 100_000,
    country: ['GB', 'DE', 'FR', 'US'][c % 4],
  };
  const person =
    i % 5 === 0
      ? {
          email: `person${i}@company-${c}.example`,
          firstName: 'Alex',
          lastName: `Example${i}`,
          title: 'Head of Operations',
        }
      : undefined;
  const cidr =
    range.family === 4
      ? `${formatIPv4(range.start as number)}/${range.prefix}`
      : `${formatIPv6(range.start as bigint)}/${range.prefix}`;
  return JSON.stringify(person ? { cidr, company, person } : { cidr, company });
}

async function writeDataset(path: string, count: number): Promise<Range[]> {
  const out = createWriteStream(path);
  const ranges: Range[] = [];
  let chunk: string[] = [];
  for (let i = 0; i < count; i++) {
    const range = randomRange();
    ranges.push(range);
    chunk.push(line(range, i));
    if (chunk.length === 10_000 || i === count - 1) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      chunk = [];
    }
  }
  out.end();
  await once(out, 'finish');
  return ranges;
}

/** Probe addresses: half at a random address inside one of `ranges`, half anywhere; one in ten IPv6. */
function probesFor(ranges: Range[], count: number): string[] {
  const byFamily = {
    4: ranges.filter((r) => r.family === 4),
    6: ranges.filter((r) => r.family === 6),
  };
  return Array.from({ length: count }, () => {
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

const dir = await mkdtemp(join(tmpdir(), 'allot-identity-bench-'));
try {
  const bigPath = join(dir, 'big.jsonl');
  const smallPath = join(dir, 'small.jsonl');
  const generateStart = performance.now();
  const bigRanges = await writeDataset(bigPath, RANGES);
  const smallRanges = await writeDataset(smallPath, SMALL);
  const generateMs = performance.now() - generateStart;
  const fileBytes = (await stat(bigPath)).size;

  // 1. Loading
  const heapBefore = heapUsed();
  const rssBefore = process.memoryUsage().rss;
  const loadStart = performance.now();
  const loadCpu = process.cpuUsage();
  const big = await loadDataset(bigPath);
  const loadMs = performance.now() - loadStart;
  const { user, system } = process.cpuUsage(loadCpu); // beside wall time: was the CPU shared?
  const rssAfter = process.memoryUsage().rss;
  const retained = heapUsed() - heapBefore;
  if (big.skipped !== 0 || big.records !== RANGES) {
    throw new Error(
      `the generated dataset did not load cleanly: ${JSON.stringify(big.errors.slice(0, 3))}`,
    );
  }
  const small = await loadDataset(smallPath);

  // 2. Lookups
  // The same mix for both indexes (an address inside a range may still find nobody: a random
  // IPv6 address inside a /32 is rarely inside the /48 a company holds there).
  const bigProbes = probesFor(bigRanges, PROBES);
  const smallProbes = probesFor(smallRanges, PROBES);
  const map = new Map(smallProbes.slice(0, SMALL).map((ip, i) => [ip, i]));
  const mapProbes = Array.from({ length: PROBES }, (_, i) =>
    defined(smallProbes[i % SMALL], 'a probe'),
  );

  let sink = 0; // consumed, so no lookup can be optimised away
  const viaIndex = (index: DatasetIndex) => (ip: string) => {
    if (index.lookup(ip)) sink += 1;
  };
  const cases = [
    {
      name: `dataset, ${RANGES.toLocaleString('en')} ranges`,
      probes: bigProbes,
      look: viaIndex(big.index),
    },
    {
      name: `dataset, ${SMALL.toLocaleString('en')} ranges (baseline)`,
      probes: smallProbes,
      look: viaIndex(small.index),
    },
    {
      name: `Map.get, ${SMALL.toLocaleString('en')} keys (floor)`,
      probes: mapProbes,
      look: (ip: string) => {
        if (map.get(ip) !== undefined) sink += 1;
      },
    },
  ].map((c) => ({ ...c, single: [] as number[], batched: [] as number[] }));
  // The share of probes that find someone (counted once, outside any timing).
  const hitRates = cases.map((c) => {
    const before = sink;
    for (const ip of c.probes) c.look(ip);
    return (sink - before) / c.probes.length;
  });
  // Warm-up.
  for (const c of cases)
    for (let i = 0; i < 20_000; i++) c.look(defined(c.probes[i % c.probes.length], 'a probe'));

  for (let round = 0; round < ROUNDS; round++) {
    const order = rotated(cases, round);
    for (const c of order) {
      // Each lookup alone (the timer's own cost included, the same for every case).
      for (const ip of c.probes) {
        const start = process.hrtime.bigint();
        c.look(ip);
        c.single.push(Number(process.hrtime.bigint() - start));
      }
      // Batches: the mean cost without the timer.
      for (let i = 0; i + BATCH <= c.probes.length; i += BATCH) {
        const batch = c.probes.slice(i, i + BATCH);
        const start = process.hrtime.bigint();
        for (const ip of batch) c.look(ip);
        c.batched.push(Number(process.hrtime.bigint() - start) / BATCH);
      }
    }
  }

  // Report
  console.log(
    `\nNode ${process.version}; dataset generated in ${(generateMs / 1000).toFixed(1)} s: ` +
      `${RANGES.toLocaleString('en')} ranges, ${COMPANIES.toLocaleString('en')} companies, ${mb(fileBytes)} MB\n`,
  );
  console.table([
    {
      ranges: RANGES.toLocaleString('en'),
      'load s': (loadMs / 1000).toFixed(2),
      'cpu s': ((user + system) / 1e6).toFixed(2),
      'lines/s': Math.round(RANGES / (loadMs / 1000)).toLocaleString('en'),
      intervals: big.index.intervals.toLocaleString('en'),
      'heap retained MB': mb(retained),
      'rss growth MB': mb(rssAfter - rssBefore),
    },
  ]);
  console.log(
    `target: load within a few (5) s: ${(loadMs / 1000).toFixed(2)} s -> ${loadMs <= 5_000 ? 'MET' : 'NOT MET'}`,
  );

  console.log(
    `\nlookups: ${PROBES.toLocaleString('en')} probes per case x ${ROUNDS} rounds, interleaved; ` +
      `single = each timed alone (hrtime included), batched = mean of ${BATCH}\n`,
  );
  console.table(
    cases.map((c, i) => ({
      case: c.name,
      'hit rate': `${(100 * defined(hitRates[i], 'the hit rate')).toFixed(0)}%`,
      'single median ns': Math.round(median(c.single)),
      'single p99 ns': Math.round(p99(c.single)),
      'batched mean ns': Math.round(median(c.batched)),
    })),
  );
  const [bigCase, smallCase, mapCase] = cases as [
    (typeof cases)[0],
    (typeof cases)[0],
    (typeof cases)[0],
  ];
  const ratio = median(bigCase.single) / median(smallCase.single);
  const batchedRatio = median(bigCase.batched) / median(smallCase.batched);
  console.log(
    `${RANGES.toLocaleString('en')} vs ${SMALL.toLocaleString('en')} ranges: ${ratio.toFixed(2)}x (single, median), ` +
      `${batchedRatio.toFixed(2)}x (batched); vs Map.get: ${(median(bigCase.batched) / median(mapCase.batched)).toFixed(1)}x (batched)`,
  );
  const bigP99 = p99(bigCase.single) / 1000;
  console.log(
    `target: p99 under 10 µs: ${bigP99.toFixed(2)} µs -> ${bigP99 < 10 ? 'MET' : 'NOT MET'}`,
  );
  console.log(sink > 0 ? '' : 'no lookup found anyone');
} finally {
  await rm(dir, { recursive: true, force: true });
}
