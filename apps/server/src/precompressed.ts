import { negotiate } from '@fastify/accept-negotiator';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Preferred first: brotli is the smallest, gzip what every client takes. */
const ENCODINGS = ['br', 'gzip', 'identity'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** One encoding of a body, with a strong ETag of its own bytes (RFC 9110: one per encoding). */
export interface Representation {
  encoding: Encoding;
  body: Buffer;
  etag: string;
}

export type Precompressed = Record<Encoding, Representation>;

const etagOf = (body: Buffer) =>
  `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

const representation = (encoding: Encoding, body: Buffer): Representation => ({
  encoding,
  body,
  etag: etagOf(body),
});

/** A body served as is: one too small for compression to pay (an empty script). */
export const uncompressed = (text: string): Representation =>
  representation('identity', Buffer.from(text));

/**
 * A text body compressed once, at the highest levels: it is served many times and built once,
 * so the time spent here is paid once per process, not per request.
 */
export function precompress(text: string): Precompressed {
  const identity = Buffer.from(text);
  return {
    identity: representation('identity', identity),
    gzip: representation('gzip', gzipSync(identity, { level: 9 })),
    br: representation(
      'br',
      brotliCompressSync(identity, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: identity.length,
        },
      }),
    ),
  };
}

/** The representation the request's Accept-Encoding asks for; identity when it names none we have. */
export function negotiated(
  body: Precompressed,
  acceptEncoding: string | undefined,
): Representation {
  const encoding = acceptEncoding ? negotiate(acceptEncoding, [...ENCODINGS]) : null;
  return body[encoding ?? 'identity'];
}

/** Whether If-None-Match names this ETag (it may list several, or be `*`). */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const value = tag.trim();
    return value === '*' || value === etag || value === `W/${etag}`;
  });
}
