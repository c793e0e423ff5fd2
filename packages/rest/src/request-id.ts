import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Sent on every response; a caller's own id is echoed so its logs and ours share one key. */
export const REQUEST_ID_HEADER = 'X-Request-Id';
/** Sent with a replayed Idempotency-Key response, so a client can tell a retry from a first run. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * What a caller may choose as its request id: a short token that is safe in a header, a log
 * line and a JSON body. Anything else is replaced, never echoed.
 */
export const REQUEST_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';
const requestIdPattern = new RegExp(REQUEST_ID_PATTERN);

/** Fastify's `genReqId`: the caller's X-Request-Id when it is sane, else a fresh UUID. */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER.toLowerCase()];
  return typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
}

const isErrorBody = (payload: unknown): payload is { error: Record<string, unknown> } =>
  typeof payload === 'object' &&
  payload !== null &&
  'error' in payload &&
  typeof payload.error === 'object' &&
  payload.error !== null &&
  !Array.isArray(payload.error);

/**
 * Every response carries the request id, and every `{"error": {...}}` body carries it as
 * `error.requestId`: added here, in one place, rather than by each route that answers an error.
 */
export function traceRequests(app: FastifyInstance) {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  app.addHook('preSerialization', async (request, _reply, payload: unknown) =>
    isErrorBody(payload)
      ? { ...payload, error: { ...payload.error, requestId: request.id } }
      : payload,
  );
}
