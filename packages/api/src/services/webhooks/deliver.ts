import { defined, WEBHOOK_EXCERPT_BYTES } from '@allot/domain';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { signatureHeaders } from './sign.ts';
import { checkWebhookTarget, type Resolve, type WebhookNetworkPolicy } from './ssrf.ts';

/** What one attempt produced: a response (any status), or why there was none. */
export interface AttemptResult {
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

export const succeeded = (result: AttemptResult) =>
  result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;

export interface AttemptOptions extends WebhookNetworkPolicy {
  timeoutMs: number;
  resolve?: Resolve;
}

// Keep-alive connections: a busy endpoint gets its deliveries over a few warm sockets. A pooled
// socket is connected to an address that was checked when it was opened.
const agents = {
  http: new http.Agent({ keepAlive: true, timeout: 30_000 }),
  https: new https.Agent({ keepAlive: true, timeout: 30_000 }),
};

/**
 * POSTs a signed body to a webhook URL once. The host is resolved and checked first
 * (`checkWebhookTarget`), and the connection is made to that very address through a `lookup`
 * that answers it, so DNS cannot point the request elsewhere between check and connect. TLS
 * still verifies the certificate against the URL's host name. Redirects are not followed (one
 * could lead anywhere); a 3xx is a failed attempt. The timeout covers everything from
 * resolution to the response excerpt.
 */
export async function attemptDelivery(
  input: { url: string; secret: string; eventId: string; body: string },
  options: AttemptOptions,
): Promise<AttemptResult> {
  const attemptedAt = new Date();
  const started = performance.now();
  const result = (fields: Partial<AttemptResult>): AttemptResult => ({
    attemptedAt,
    statusCode: null,
    latencyMs: Math.round(performance.now() - started),
    error: null,
    responseExcerpt: null,
    ...fields,
  });

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    const check = await Promise.race([
      checkWebhookTarget(input.url, options, options.resolve),
      new Promise<never>((_, reject) =>
        controller.signal.addEventListener('abort', () => reject(new Error('timed out'))),
      ),
    ]);
    if (!check.ok) return result({ error: `${check.code}: ${check.message}` });
    const { url, addresses } = check.target;
    // Answers with the checked addresses only (all of them, for Node's happy-eyeballs connect).
    const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
      if ((lookupOptions as { all?: boolean }).all) callback(null, addresses);
      else {
        // The check refuses a host without addresses, so there is always a first one.
        const { address, family } = defined(addresses[0], 'a checked address');
        callback(null, address, family);
      }
    };
    const secure = url.protocol === 'https:';
    const signedAt = new Date();
    const response = await new Promise<{ statusCode: number; excerpt: string }>(
      (resolve, reject) => {
        const request = (secure ? https : http).request(
          url,
          {
            method: 'POST',
            agent: secure ? agents.https : agents.http,
            lookup: pinned,
            signal: controller.signal,
            headers: {
              'content-type': 'application/json',
              'user-agent': 'Allot-Webhooks/1',
              ...signatureHeaders(input.secret, input.eventId, input.body, signedAt),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            const finish = () => {
              resolve({
                statusCode: res.statusCode ?? 0,
                excerpt: text(Buffer.concat(chunks).subarray(0, WEBHOOK_EXCERPT_BYTES)),
              });
              // The rest of a long body is not needed; dropping the socket beats reading it.
              if (!res.complete) res.destroy();
            };
            res.on('data', (chunk: Buffer) => {
              chunks.push(chunk);
              size += chunk.length;
              if (size >= WEBHOOK_EXCERPT_BYTES) finish();
            });
            res.on('end', finish);
            res.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(input.body);
      },
    );
    return result({ statusCode: response.statusCode, responseExcerpt: response.excerpt || null });
  } catch (error) {
    const message = controller.signal.aborted
      ? `timed out after ${options.timeoutMs} ms`
      : describe(error);
    return result({ error: message });
  } finally {
    clearTimeout(timer);
  }
}

/** Bytes as storable text: PostgreSQL text cannot hold NUL. */
const text = (bytes: Buffer) => bytes.toString('utf8').replaceAll('\0', '');

function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const described =
    code && !message?.includes(code) ? `${code}: ${message}` : (message ?? String(error));
  return described.replaceAll('\0', '');
}
