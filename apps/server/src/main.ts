import { createIdentityResolver } from '@allot/api';
import { buildServer } from './app.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './database.ts';
import { operatorTokenBanner, resolveOperatorToken } from './operator-token.ts';
import { webhookOptions } from './webhook-jobs.ts';
import { startWorker } from './worker.ts';

const config = loadConfig();
const database = await openDatabase(config);
const operator = await resolveOperatorToken(config);
const identity = await createIdentityResolver({
  ...(config.identityUrl ? { url: config.identityUrl } : { dataset: config.identityDataset }),
  timeoutMs: config.identityTimeoutMs,
  log: console,
});
const app = await buildServer({
  db: database.db,
  databaseUrl: database.url,
  publicUrl: config.publicUrl,
  operatorToken: operator.token,
  logger: { level: config.logLevel },
  rateLimitPerMinute: config.rateLimitPerMinute,
  trustProxy: config.trustProxy,
  identity,
  pixelRateLimitPerKey: config.pixelRateLimitPerKey,
  pixelRateLimitPerIp: config.pixelRateLimitPerIp,
  allowHttpWebhooks: config.allowHttpWebhooks,
  adminDir: config.adminDir,
});

const worker = config.worker
  ? await startWorker({
      db: database.db,
      databaseUrl: database.url,
      webhooks: webhookOptions(config),
    })
  : null;

async function shutdown(signal: string) {
  app.log.info(`${signal}: shutting down`);
  await app.close();
  await worker?.stop();
  await identity.close();
  await database.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

await app.listen({ port: config.port, host: config.host });
console.log(
  [
    '',
    `Allot is running on ${config.publicUrl}`,
    `  database      ${database.description}`,
    `  admin app     ${config.publicUrl}/`,
    `  REST API      ${config.publicUrl}/api/v1   (OpenAPI: /api/v1/openapi.json, docs: /docs)`,
    `  tRPC          ${config.publicUrl}/trpc`,
    `  identities    ${config.identityUrl ?? config.identityDataset}`,
    `  job worker    ${worker ? 'in this process' : 'off here (ALLOT_WORKER=off; run pnpm worker)'}`,
    `  operator token ${operatorTokenBanner(operator)}`,
    '',
  ].join('\n'),
);
