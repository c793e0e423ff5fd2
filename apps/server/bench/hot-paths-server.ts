/**
 * The system under test of hot-paths.bench.ts, in a process of its own: a fresh embedded
 * PostgreSQL and the real server (`startBench`: buildServer on a loopback port, one partner
 * billing `external`), trusting X-Forwarded-For from the loopback, resolving visitors with the
 * identity dataset named by the first argument.
 *
 *   tsx bench/hot-paths-server.ts <identities.jsonl>
 *
 * Prints `bench-ready {"origin", "apiKey", "databaseUrl"}` on stdout once listening; logs
 * (warnings and errors only) go to stderr; closes everything when stdin ends.
 */
import { createDatasetResolver } from '@allot/api';
import { announceReady, untilStdinEnds } from './child-process.ts';
import { startBench } from './setup.ts';

const dataset = process.argv[2];
if (!dataset) throw new Error('usage: hot-paths-server.ts <identities.jsonl>');

const identity = await createDatasetResolver(dataset);
if (identity.skipped > 0) throw new Error(`${identity.skipped} lines of ${dataset} were skipped`);
const bench = await startBench(0, {
  billingMode: 'external',
  identity: identity.resolver,
  trustProxy: true,
  logger: { level: 'warn', stream: process.stderr },
});

announceReady({
  origin: bench.origin,
  apiKey: bench.apiKey,
  databaseUrl: bench.databaseUrl,
  records: identity.records,
});
await untilStdinEnds();
await bench.close();
await identity.resolver.close();
