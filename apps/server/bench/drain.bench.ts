/**
 * `pnpm bench`: what an attacker who knows only a public pixel key can spend of a site's
 * credits, against the real server with its default pixel rate limits (300 events a minute per
 * address, 6,000 per key), over real HTTP from real loopback source addresses.
 *
 * - `200 visitor ids, one address`: 200 page views from one address, each with a fresh visitor
 *   id, as a browser that clears its storage (or a script) sends them.
 * - `loop from 24 addresses`: 24 clients, one per source address, each posting events with a
 *   fresh visitor id and a spoofed Origin back to back for a bounded time; once as curl says it
 *   is, once with a browser's user agent, and once where each address is a company of its own.
 *
 * The dataset is the demo one (the loopback is one company), plus 24 addresses that are each a
 * company. Every case runs on an organization of its own; credits are read from its ledger.
 */
import { createDatasetResolver } from '@allot/api';
import { VISITOR_USER_AGENT } from '@allot/browser-testing/user-agents';
import { randomBytes } from 'node:crypto';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBench } from './setup.ts';

const SECONDS = Number(process.env.BENCH_DRAIN_SECONDS ?? 10);
const ADDRESSES = 24;
const SITE = 'https://shop.example';
const CURL = 'curl/8.5.0';
/**
 * Addresses the demo dataset knows as its one loopback company; a block per case, so no case
 * starts with addresses another has spent their minute's rate limit on.
 */
const demoAddress = (block: number, i: number) => `127.0.${10 + block}.${i + 2}`;
/** Addresses that are each a company of their own. */
const companyAddress = (i: number) => `127.0.1.${i + 1}`;

const dir = await mkdtemp(join(tmpdir(), 'allot-drain-bench-'));
const dataset = join(dir, 'identities.jsonl');
const demo = await readFile(new URL('../data/demo-identities.jsonl', import.meta.url), 'utf8');
await writeFile(
  dataset,
  [
    demo.trim(),
    ...Array.from({ length: ADDRESSES }, (_, i) =>
      JSON.stringify({ cidr: `${companyAddress(i)}/32`, company: { name: `Company ${i}` } }),
    ),
  ].join('\n'),
);
const identity = (await createDatasetResolver(dataset)).resolver;
const bench = await startBench(0, { billingMode: 'external', identity, defaultPixelLimits: true });

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${bench.base}${path}`, {
    method,
    headers: { 'x-partner-api-key': bench.apiKey, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as T;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** A site with plenty of credits and its pixel installed on SITE. */
async function site() {
  const { organization } = await call<{ organization: { id: string } }>(
    'POST',
    '/partner/organizations',
    { name: 'Shop', tier: 'paid', initialCredits: 1_000_000 },
  );
  const path = `/partner/organizations/${organization.id}`;
  await call('PUT', `${path}/pixel`, { allowedReferrers: [SITE] });
  const { apiKey } = await call<{ apiKey: string }>('GET', `${path}/pixel`);
  const used = async () =>
    (await call<{ balances: { used: number }[] }>('GET', `${path}/credits`)).balances[0]?.used ?? 0;
  return { pixelKey: apiKey, used };
}

/** One event from `address`, as curl or a browser would send it: a fresh visitor id each time. */
function post(pixelKey: string, address: string, agent: Agent, userAgent: string) {
  const body = JSON.stringify({
    k: pixelKey,
    v: randomBytes(12).toString('hex'),
    e: 'pageview',
    u: `${SITE}/`,
  });
  return new Promise<number>((resolve, reject) => {
    const req = request(
      `${bench.origin}/collect`,
      {
        method: 'POST',
        agent,
        localAddress: address,
        headers: {
          'content-type': 'text/plain;charset=UTF-8',
          'content-length': Buffer.byteLength(body),
          origin: SITE,
          'user-agent': userAgent,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Outcome {
  events: number;
  accepted: number;
  limited: number;
  credits: number;
  seconds: number;
}

async function attack(
  addresses: string[],
  userAgent: string,
  stop: { events: number } | { seconds: number },
): Promise<Outcome> {
  const target = await site();
  const statuses: number[] = [];
  const started = performance.now();
  const until = 'seconds' in stop ? started + stop.seconds * 1000 : Infinity;
  const perClient = 'events' in stop ? stop.events / addresses.length : Infinity;
  await Promise.all(
    addresses.map(async (address) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      for (let sent = 0; sent < perClient && performance.now() < until; sent += 1)
        statuses.push(await post(target.pixelKey, address, agent, userAgent));
      agent.destroy();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    events: statuses.length,
    accepted: statuses.filter((status) => status === 202).length,
    limited: statuses.filter((status) => status === 429).length,
    credits: await target.used(),
    seconds,
  };
}

const loop = { seconds: SECONDS };
const spread = (block: number) =>
  Array.from({ length: ADDRESSES }, (_, i) => demoAddress(block, i));
const companies = Array.from({ length: ADDRESSES }, (_, i) => companyAddress(i));
const cases: [string, Outcome][] = [
  [
    '200 visitor ids, one address, browser UA',
    await attack([demoAddress(0, 0)], VISITOR_USER_AGENT, { events: 200 }),
  ],
  ['loop from 24 addresses, curl UA', await attack(spread(1), CURL, loop)],
  ['loop from 24 addresses, browser UA', await attack(spread(2), VISITOR_USER_AGENT, loop)],
  [
    'loop from 24 addresses, each a company, browser UA',
    await attack(companies, VISITOR_USER_AGENT, loop),
  ],
];

console.log(
  `\ncredit drain with only a pixel key and a spoofed Origin, default pixel rate limits; loops run ${SECONDS} s\n`,
);
console.table(
  cases.map(([name, outcome]) => ({
    case: name,
    events: outcome.events,
    'answered 202': outcome.accepted,
    'answered 429': outcome.limited,
    'credits consumed': outcome.credits,
    'credits/s': (outcome.credits / outcome.seconds).toFixed(2),
  })),
);

await identity.close();
await bench.close();
await rm(dir, { recursive: true, force: true });
