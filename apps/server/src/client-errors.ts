import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What Node's HTTP parser refuses before Fastify sees a request (a request line or headers past
 * Node's size limit, bytes that are not HTTP) still gets the one error shape and a request id, as
 * every other response does. The connection is closed: the parser cannot find the next request.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket) {
  if (!socket.writable) return;
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const requestId = randomUUID();
  const body = JSON.stringify({
    error: {
      code: tooLarge ? 'headers_too_large' : 'invalid_request',
      message: tooLarge
        ? 'The request line and headers are larger than the server accepts'
        : 'The request is not valid HTTP',
      requestId,
    },
  });
  socket.end(
    [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-Id: ${requestId}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}
