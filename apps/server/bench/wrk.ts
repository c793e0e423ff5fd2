import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * wrk (Debian's package), the external load generator of hot-paths.bench.ts: a C event loop in
 * a process of its own, so the client's cost never lands on the server's event loop, and
 * HTTP/1.1 keep-alive connections as browsers and proxies hold them.
 */

const SCRIPT = fileURLToPath(new URL('./hot-paths.lua', import.meta.url));

const has = (command: string, args: string[]) => !spawnSync(command, args).error;

/** Installs wrk with apt when it is missing (as root, or through sudo); throws where it cannot. */
export function ensureWrk(): void {
  if (has('wrk', ['--version'])) return;
  if (!has('apt-get', ['--version']))
    throw new Error('wrk is not installed and apt-get is unavailable: install wrk and rerun');
  const root = process.getuid?.() === 0;
  const run = (args: string[]) => {
    const [command, ...rest] = root ? args : ['sudo', ...args];
    console.log(`installing wrk: ${[command, ...rest].join(' ')}`);
    return spawnSync(command as string, rest, { stdio: 'inherit' }).status === 0;
  };
  // A machine whose package lists were never fetched knows no wrk until they are.
  if (!run(['apt-get', 'install', '-y', 'wrk'])) {
    run(['apt-get', 'update']);
    run(['apt-get', 'install', '-y', 'wrk']);
  }
  if (!has('wrk', ['--version'])) throw new Error('wrk could not be installed');
}

export interface LoadRun {
  /** Origin and first path; wrk needs one URL, the script sends each request where it says. */
  url: string;
  headers: Record<string, string>;
  /** What hot-paths.lua takes after `--`: paths, keys, visitors, offset, page. */
  scriptArgs: string[];
  connections: number;
  threads: number;
  seconds: number;
}

export interface LoadResult {
  /** Requests answered in the run. */
  requests: number;
  /** Requests sent, answered or not (in flight when the run ended). */
  sent: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers with a status of 400 or more (wrk's "Non-2xx or 3xx responses"). */
  non2xx: number;
  /** Connections refused, reads and writes that failed, requests that timed out. */
  socketErrors: number;
  output: string;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function milliseconds(output: string, percentile: string): number {
  const match = new RegExp(`^\\s+${percentile}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(output);
  if (!match) throw new Error(`no ${percentile}% latency in wrk's output:\n${output}`);
  return Number(match[1]) * (UNIT_MS[match[2] as string] ?? NaN);
}

function count(output: string, pattern: RegExp): number {
  const match = pattern.exec(output);
  return match ? Number(match[1]) : 0;
}

/** Parses what `wrk --latency` printed (and what hot-paths.lua's done() added). */
export function parseWrk(output: string): LoadResult {
  const perSecond = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const requests = /^\s+(\d+) requests in /m.exec(output);
  const sent = /^hot-paths sent (\d+)$/m.exec(output);
  if (!perSecond || !requests || !sent) throw new Error(`unexpected wrk output:\n${output}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  return {
    requests: Number(requests[1]),
    sent: Number(sent[1]),
    perSecond: Number(perSecond[1]),
    p50Ms: milliseconds(output, '50'),
    p99Ms: milliseconds(output, '99'),
    non2xx: count(output, /Non-2xx or 3xx responses: (\d+)/),
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    output,
  };
}

export async function runWrk(run: LoadRun): Promise<LoadResult> {
  const args = [
    `-t${run.threads}`,
    `-c${run.connections}`,
    `-d${run.seconds}s`,
    // Well past any latency worth measuring: a slow answer is counted, not dropped as an error.
    '--timeout',
    '10s',
    '--latency',
    ...Object.entries(run.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    '-s',
    SCRIPT,
    run.url,
    '--',
    ...run.scriptArgs,
  ];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`wrk exited with ${String(code)}:\n${output}`);
  return parseWrk(output);
}
