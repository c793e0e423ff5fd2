// Regenerates docs/screenshots: every screen at 1280x800, from the accessibility test's walk
// through the app on a partner with weeks of activity (real server, database and Chromium).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const vitest = join(
  dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);
const result = spawnSync(
  process.execPath,
  [vitest, 'run', 'apps/server/test/admin-accessibility.test.ts'],
  {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, ALLOT_SCREENSHOTS: join(repoRoot, 'docs/screenshots') },
  },
);
process.exit(result.status ?? 1);
