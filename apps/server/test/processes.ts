import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, OPERATOR_TOKEN } from './harness.ts';

const serverDir = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ServerProcess {
  /** http://127.0.0.1:port */
  origin: string;
  /** The REST API's base: `${origin}/api/v1`. */
  url: string;
  child: ChildProcess;
  /** Everything it has written to stdout and stderr so far. */
  output: () => string;
}

/** The server as deployed: its own process, sharing the test database with the others. */
export async function startServerProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(join(serverDir, 'node_modules/.bin/tsx'), ['src/main.ts'], {
    cwd: serverDir,
    env: {
      ...process.env,
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
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Allot is running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  const origin = `http://127.0.0.1:${port}`;
  return { origin, url: `${origin}/api/v1`, child, output: () => output };
}
