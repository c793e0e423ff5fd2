import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { freePort } from './harness.ts';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The webhook-id header: the event's id. */
  id: string;
  at: number;
}

export interface Reply {
  status: number;
  body?: string;
  /** Answer this late (past the sender's timeout, to test it). */
  delayMs?: number;
}

/**
 * A real HTTP receiver on 127.0.0.1 that records every request. `reply` decides each answer;
 * `down()` closes the port (connections are refused) and `up()` opens the same port again.
 */
export async function startReceiver(reply: (request: Received) => Reply = () => ({ status: 200 })) {
  const port = await freePort();
  const received: Received[] = [];
  const state = { reply };
  let server: Server | null = null;

  async function up() {
    if (server) return;
    const next = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = {
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          id: String(req.headers['webhook-id']),
          at: Date.now(),
        };
        received.push(request);
        const answer = state.reply(request);
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    // Keep-alive sockets would keep a "down" receiver reachable; close them with the server.
    await new Promise<void>((resolve) => next.listen(port, '127.0.0.1', resolve));
    server = next;
  }

  async function down() {
    const current = server;
    if (!current) return;
    server = null;
    await new Promise<void>((resolve) => {
      current.close(() => resolve());
      current.closeAllConnections();
    });
  }

  await up();
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    /** Requests carrying this webhook-id. */
    of: (id: string) => received.filter((request) => request.id === id),
    setReply: (next: (request: Received) => Reply) => {
      state.reply = next;
    },
    up,
    down,
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Polls until `check` neither throws nor answers false (else fails with its last failure after `ms`). */
export async function waitFor(check: () => unknown, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if ((await check()) !== false) return;
      if (Date.now() > deadline) throw new Error('waitFor: condition never held');
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
