import { loadConfig } from './config.ts';
import { openDatabase } from './database.ts';
import { webhookOptions } from './webhook-jobs.ts';
import { startWorker } from './worker.ts';

// `pnpm worker`: the job worker alone, so it can scale apart from the HTTP servers.
const config = loadConfig();
const database = await openDatabase(config, 4);
const worker = await startWorker({
  db: database.db,
  databaseUrl: database.url,
  webhooks: webhookOptions(config),
});

async function shutdown(signal: string) {
  console.log(`${signal}: stopping the worker`);
  await worker.stop();
  await database.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
console.log(`Allot worker running on ${database.description}`);
await worker.runner.promise;
