import { text } from './text.ts';

// scheme://[*.]host[:port] with nothing after it. Hosts are DNS names, `localhost` or IPv4.
const ORIGIN_PATTERN =
  /^(https?):\/\/(\*\.)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?::(\d{1,5}))?$/;

interface ParsedOrigin {
  scheme: string;
  wildcard: boolean;
  host: string;
  port: number;
}

function parseOrigin(value: string): ParsedOrigin | null {
  const match = ORIGIN_PATTERN.exec(value.toLowerCase());
  if (!match) return null;
  const scheme = match[1] as string;
  const wildcard = match[2] !== undefined;
  const host = match[3] as string;
  const port = match[4];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null;
  // A wildcard must sit above a name: `https://*.com` would match the world, `http://*.0.0.1` any address.
  if (wildcard && (!host.includes('.') || /^[\d.]+$/.test(host))) return null;
  // Ports compare as numbers: `:0443` is `:443`.
  return {
    scheme,
    wildcard,
    host,
    port: port === undefined ? (scheme === 'https' ? 443 : 80) : Number(port),
  };
}

/** An allowed referrer: an origin such as `https://acme.com`, `https://*.acme.com`, `http://localhost:8080`. */
export const referrerPatternSchema = text()
  .max(300)
  .transform((value) => value.trim().toLowerCase())
  .refine((value) => parseOrigin(value) !== null, {
    message: 'Must be an origin: scheme://host[:port], optionally with a leading *. for subdomains',
  });

/**
 * Whether a request's origin is allowed by one pattern. `https://*.acme.com` matches
 * `https://app.acme.com` and deeper subdomains, never `https://acme.com.evil.io`.
 */
export function originMatches(origin: string, pattern: string): boolean {
  const request = parseOrigin(origin);
  const allowed = parseOrigin(pattern);
  if (!request || !allowed || request.wildcard) return false;
  if (request.scheme !== allowed.scheme || request.port !== allowed.port) return false;
  return allowed.wildcard
    ? request.host.endsWith(`.${allowed.host}`)
    : request.host === allowed.host;
}

export const originAllowed = (origin: string, patterns: readonly string[]) =>
  patterns.some((pattern) => originMatches(origin, pattern));
