import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** What a bench process prints, alone on a line of its stdout, once it is ready to be measured. */
export const READY_PREFIX = 'bench-ready ';

/** Says a bench process is ready, with what the caller needs to reach it (JSON). */
export function announceReady(info: unknown): void {
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(info)}\n`);
}

/** Resolves when the parent closes our stdin, or dies (which closes it too). */
export async function untilStdinEnds(): Promise<void> {
  process.stdin.resume();
  await once(process.stdin, 'end');
}

export interface BenchChild<T> {
  info: T;
  /** Lines the process wrote to stderr so far (its logs, its errors). */
  stderrLines: () => readonly string[];
  /** Closes its stdin (it shuts down cleanly) and waits for it to exit. */
  stop: () => Promise<void>;
}

/**
 * Runs a TypeScript file of this folder in a Node process of its own (under tsx, as this one
 * runs: the same execArgv), so what it serves never shares an event loop with the load generator
 * or with another server. Resolves with what it announced once ready.
 */
export async function startChild<T>(file: string, args: string[] = []): Promise<BenchChild<T>> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, path, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const exited = once(child, 'exit');
  const info = await new Promise<T>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(READY_PREFIX)) resolve(JSON.parse(line.slice(READY_PREFIX.length)) as T);
    });
    exited.then(
      ([code]) =>
        reject(
          new Error(`${file} exited (${String(code)}) before it was ready:\n${stderr.join('\n')}`),
        ),
      reject,
    );
  });
  return {
    info,
    stderrLines: () => stderr,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
