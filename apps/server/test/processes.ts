import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, OPERATOR_TOKEN } from './harness.ts';

const serverDir = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ServerProcess extends ChildScript {
  /** http://127.0.0.1:port */
  origin: string;
  /** The REST API's base: `${origin}/api/v1`. */
  url: string;
}

/** A process that runs a script of the server package, and what it printed so far. */
export interface ChildScript {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output: () => string;
}

/**
 * Runs one of the server package's scripts in a process of its own, resolved once it prints
 * `ready`. Node runs it with tsx as its loader: tsx's command line would run the script in a
 * child process of its own, which a SIGKILL of the command would leave running.
 */
async function startScript(
  script: string,
  env: Record<string, string>,
  ready: string,
  startTimeoutMs: number,
): Promise<ChildScript> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: serverDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not start:\n${output}`)),
      startTimeoutMs,
    );
    // Stays attached after the start, so a test can read what the process printed later.
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
  });
  return { child, output: () => output };
}

/** The server as deployed: its own process, sharing the test database with the others. */
export async function startServerProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
  // A first start on an empty data directory runs initdb.
  startTimeoutMs = 30_000,
): Promise<ServerProcess> {
  const port = await freePort();
  const { child, output } = await startScript(
    'src/main.ts',
    {
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      ALLOT_OPERATOR_TOKEN: OPERATOR_TOKEN,
      ALLOT_RATE_LIMIT_PER_MINUTE: '1000000',
      DATABASE_POOL_SIZE: '8',
      LOG_LEVEL: 'warn',
      // The job worker is tested on its own (worker.test.ts).
      ALLOT_WORKER: 'off',
      ...env,
    },
    'Allot is running',
    startTimeoutMs,
  );
  const origin = `http://127.0.0.1:${port}`;
  return { origin, url: `${origin}/api/v1`, child, output };
}

/** The job worker as deployed apart from the HTTP servers (`pnpm worker`), on the test database. */
export function startWorkerProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<ChildScript> {
  return startScript(
    'src/worker-main.ts',
    { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...env },
    'Allot worker running',
    30_000,
  );
}

/** Seconds until the server's `/health` answers 200, polled every 100 ms, for at most `limit` ms. */
export async function secondsUntilHealthy(server: ServerProcess, limit = 15_000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < limit) {
    const status = await fetch(`${server.origin}/health`)
      .then((response) => response.status)
      .catch(() => 0);
    if (status === 200) return (Date.now() - start) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not healthy within ${limit} ms:\n${server.output()}`);
}
