// `npm start` / `npm test` entry point: works on a machine that has only Node and npm.
// It installs the workspace with the pinned pnpm when the install is missing or stale,
// then hands over to the real task.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The pinned pnpm is a devDependency. `devEngines.packageManager` names it too (turbo reads it),
// with `onFail: ignore` rather than a `packageManager` pin, so a global pnpm of any current
// release runs the README's commands itself instead of first fetching a build of the pinned one.
const pnpmVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies
  .pnpm;
const localPnpm = join(root, 'node_modules', '.bin', 'pnpm');

const tasks = {
  start: ['--filter', '@allot/server', 'start'],
  test: ['run', 'test:vitest'],
};

const task = process.argv[2];
if (!task || !(task in tasks)) {
  console.error(`usage: node scripts/run.mjs <${Object.keys(tasks).join('|')}> [args...]`);
  process.exit(2);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function installIsCurrent() {
  const installed = join(root, 'node_modules', '.pnpm', 'lock.yaml');
  if (!existsSync(localPnpm) || !existsSync(installed)) return false;
  return readFileSync(installed, 'utf8') === readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8');
}

if (!installIsCurrent()) {
  const status = existsSync(localPnpm)
    ? run(localPnpm, ['install', '--frozen-lockfile'])
    : run('npx', [
        '--yes',
        `pnpm@${pnpmVersion}`,
        'install',
        '--frozen-lockfile',
        '--reporter=default',
      ]);
  if (status !== 0) process.exit(status);
}

// The server serves the admin app's build: make one when it is missing or its sources changed,
// so a fresh clone shows the app.
if (task === 'start') {
  const status = run(localPnpm, ['--filter', '@allot/admin', 'build']);
  if (status !== 0) process.exit(status);
}

process.exit(run(localPnpm, [...tasks[task], ...process.argv.slice(3)]));
