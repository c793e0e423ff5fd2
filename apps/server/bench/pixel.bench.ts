import { defined } from '@allot/domain';
/**
 * `pnpm bench`: the pixel's ingest path (`POST /collect`), against one embedded PostgreSQL.
 *
 * Events per second at 8 concurrent clients, each event a real HTTP request through the whole
 * path (key and origin checks, the visitor upsert, the daily counter):
 * - `repeat visitor`: page views of visitors already identified this period (no credit);
 * - `new visitor`: every event a new visitor of a company of its own (its address, given in
 *   X-Forwarded-For, is on a network the dataset names), so each one is identified and charged
 *   one credit through the ledger;
 * - baseline, `GET /health`: an HTTP round trip with one `SELECT 1`, the floor of any request.
 *
 * Cases run for a bounded time in several rounds, interleaved, so a noisy neighbour hurts each
 * alike; the table shows medians.
 */
import { createDatasetResolver } from '@allot/api';
import { VISITOR_USER_AGENT } from '@allot/browser-testing/user-agents';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, p95, rotated, startBench } from './setup.ts';

const CLIENTS = Number(process.env.BENCH_PIXEL_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_PIXEL_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_PIXEL_ROUNDS ?? 3);
const SITE = 'https://shop.example';

const dir = await mkdtemp(join(tmpdir(), 'allot-pixel-bench-'));
const dataset = join(dir, 'identities.jsonl');
/** 65,536 companies, one per /24 of 10.0.0.0/8: a new visitor's company is new too. */
const NETWORKS = 65_536;
const networkOf = (i: number) => `10.${(i >> 8) & 255}.${i & 255}`;
await writeFile(
  dataset,
  [
    JSON.stringify({ cidr: '127.0.0.0/8', company: { name: 'Loopback Ltd' } }),
    ...Array.from({ length: NETWORKS }, (_, i) =>
      JSON.stringify({ cidr: `${networkOf(i)}.0/24`, company: { name: `Company ${i}` } }),
    ),
  ].join('\n'),
);
const identity = (await createDatasetResolver(dataset)).resolver;
const bench = await startBench(0, { billingMode: 'external', identity, trustProxy: true });

interface Answer {
  organization?: { id: string };
  apiKey?: string;
}

async function call(path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${bench.base}${path}`, {
    ...init,
    headers: {
      'x-partner-api-key': bench.apiKey,
      'content-type': 'application/json',
      ...(init.headers as Record<string, string>),
    },
  });
  const body = (await response.json()) as Answer;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

const org = await call('/partner/organizations', {
  method: 'POST',
  body: JSON.stringify({ name: 'Shop', tier: 'paid', initialCredits: 1_000_000_000 }),
});
const orgId = defined(org.organization, 'the organization').id;
await call(`/partner/organizations/${orgId}/pixel`, {
  method: 'PUT',
  body: JSON.stringify({ allowedReferrers: [SITE] }),
});
const pixelKey = defined(
  (await call(`/partner/organizations/${orgId}/pixel`)).apiKey,
  'the pixel key',
);

let sequence = 0;
const REPEAT_VISITORS = 1_000;

/** One page view from a visitor's browser; `address` is the visitor's (the loopback unless told). */
async function collect(visitor: string, address = '127.0.0.1') {
  const response = await fetch(`${bench.origin}/collect`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain;charset=UTF-8',
      'user-agent': VISITOR_USER_AGENT,
      'x-forwarded-for': address,
      origin: SITE,
    },
    body: JSON.stringify({ k: pixelKey, v: visitor, e: 'pageview', u: `${SITE}/pricing` }),
  });
  await response.arrayBuffer();
  if (response.status !== 202) throw new Error(`collect: ${response.status}`);
}

const cases: Record<string, () => Promise<void>> = {
  'GET /health (baseline)': async () => {
    const response = await fetch(`${bench.origin}/health`);
    await response.arrayBuffer();
  },
  'collect, repeat visitor': () => collect(`repeat-visitor-${(sequence += 1) % REPEAT_VISITORS}`),
  'collect, new visitor': () => {
    sequence += 1;
    return collect(`new-visitor-${sequence}`, `${networkOf(sequence % NETWORKS)}.1`);
  },
};

// The repeat visitors are identified once, before measuring.
for (let i = 0; i < REPEAT_VISITORS; i += 1) await collect(`repeat-visitor-${i}`);

/** `CLIENTS` loops calling `operation` until the time is up; events per second and latencies. */
async function run(operation: () => Promise<void>) {
  const latencies: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const start = performance.now();
        await operation();
        latencies.push(performance.now() - start);
      }
    }),
  );
  return { rate: latencies.length / SECONDS, latencies };
}

const results = new Map<string, { rates: number[]; latencies: number[] }>();
const names = Object.keys(cases);
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, call] of rotated(Object.entries(cases), round)) {
    const { rate, latencies } = await run(call);
    const entry = results.get(name) ?? { rates: [], latencies: [] };
    entry.rates.push(rate);
    entry.latencies.push(...latencies);
    results.set(name, entry);
  }
}

const baseline = median(defined(results.get(defined(names[0], 'a case')), 'the baseline').rates);
console.log(
  `\npixel ingest, ${CLIENTS} concurrent clients over HTTP, ${ROUNDS} rounds of ${SECONDS} s per case, interleaved; medians\n`,
);
console.table(
  names.map((name) => {
    const { rates, latencies } = defined(results.get(name), name);
    return {
      case: name,
      'requests/s': Math.round(median(rates)),
      'vs baseline': `${((median(rates) / baseline) * 100).toFixed(0)}%`,
      'median ms': median(latencies).toFixed(2),
      'p95 ms': p95(latencies).toFixed(2),
    };
  }),
);

await identity.close();
await bench.close();
await rm(dir, { recursive: true, force: true });
