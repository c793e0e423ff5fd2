import type { RuleCode } from '@allot/domain';
import ipaddr from 'ipaddr.js';
import { lookup } from 'node:dns/promises';

/**
 * Partners choose where Allot sends requests, so a webhook URL must never reach the
 * deployment's own network. Addresses are classified by `ipaddr.js`, which follows the IANA
 * special-purpose registries: only plain `unicast` passes, so loopback, private, link-local (the
 * cloud metadata service at 169.254.169.254), carrier-grade NAT, documentation, benchmarking,
 * multicast and reserved space are all refused. Checked on the resolved addresses, when an
 * endpoint is saved and again before every attempt (DNS can change); the attempt then connects
 * to the address checked, never to a second lookup's answer.
 */
const PUBLIC = 'unicast';

/**
 * Outside 2000::/3 nothing is allocated for global unicast: the IETF reserves the rest, and
 * `ipaddr.js` calls parts of it (IPv4-compatible ::a.b.c.d, 100:0:0:1::/64) plain unicast.
 */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

const v4FromParts = (high: number, low: number) =>
  new ipaddr.IPv4([high >> 8, high & 255, low >> 8, low & 255]);

/**
 * The IPv4 addresses a tunnelling form carries, judged like any IPv4 address: 6to4 routes to
 * the one in bits 16-47, Teredo to its server (bits 32-63) and its client (the last 32 bits,
 * inverted). Every other translating form (IPv4-mapped, IPv4-translated, NAT64) is refused
 * outright: a connection to it may end at any IPv4 address the local network can reach.
 */
function tunnelledV4(address: ipaddr.IPv6): ipaddr.IPv4[] | null {
  const { parts } = address;
  const at = (index: number) => parts[index] ?? 0;
  switch (address.range()) {
    case '6to4':
      return [v4FromParts(at(1), at(2))];
    case 'teredo':
      return [v4FromParts(at(2), at(3)), v4FromParts(at(6) ^ 0xffff, at(7) ^ 0xffff)];
    default:
      return null;
  }
}

/** Whether an address is one a webhook must not reach (unparseable counts as blocked). */
export function isBlockedAddress(text: string): boolean {
  if (!ipaddr.isValid(text)) return true;
  const address = ipaddr.parse(text);
  if (address.kind() === 'ipv4') return address.range() !== PUBLIC;
  const v6 = address as ipaddr.IPv6;
  if (!v6.match(GLOBAL_UNICAST_V6)) return true;
  const embedded = tunnelledV4(v6);
  if (embedded) return embedded.some((v4) => v4.range() !== PUBLIC);
  return v6.range() !== PUBLIC;
}

export interface WebhookNetworkPolicy {
  /**
   * `ALLOT_ALLOW_HTTP_WEBHOOKS=1`, for development and tests: plain http to localhost, and any
   * address at all. Never in production.
   */
  allowHttpWebhooks: boolean;
}

export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** Where an attempt connects: the URL, and the addresses that were checked for its host. */
export interface WebhookTarget {
  url: URL;
  addresses: { address: string; family: 4 | 6 }[];
}

export type TargetCheck =
  | { ok: true; target: WebhookTarget }
  | { ok: false; code: Extract<RuleCode, `webhook_url_${string}`>; message: string };

const RESOLVE_TIMEOUT_MS = 5_000;

const isLoopbackName = (hostname: string) =>
  hostname === 'localhost' ||
  hostname.endsWith('.localhost') ||
  /^127\.\d+\.\d+\.\d+$/.test(hostname) ||
  hostname === '[::1]';

async function resolveWithin(resolve: Resolve, hostname: string, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`DNS lookup timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([resolve(hostname), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether a webhook URL may be called, and at which address: https (http only to localhost,
 * and only when the policy allows it), a host that resolves, and, unless the policy allows
 * private addresses, none of its addresses in a blocked range. Every address must pass, not
 * just the first: a name with one public and one internal record is refused.
 */
export async function checkWebhookTarget(
  rawUrl: string,
  policy: WebhookNetworkPolicy,
  resolve: Resolve = systemResolve,
): Promise<TargetCheck> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, code: 'webhook_url_invalid', message: `Not a URL: ${rawUrl}` };
  }
  const insecure = url.protocol === 'http:';
  if (
    (url.protocol !== 'https:' && !insecure) ||
    (insecure && !(policy.allowHttpWebhooks && isLoopbackName(url.hostname)))
  ) {
    return {
      ok: false,
      code: 'webhook_url_insecure',
      message: 'A webhook URL must use https',
    };
  }
  // WHATWG URL parsing has already normalised IPv4 spellings (0x7f.1, 2130706433) to dotted form.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: number }[];
  if (ipaddr.isValid(hostname)) {
    addresses = [{ address: hostname, family: hostname.includes(':') ? 6 : 4 }];
  } else {
    try {
      addresses = await resolveWithin(resolve, hostname, RESOLVE_TIMEOUT_MS);
    } catch (error) {
      return {
        ok: false,
        code: 'webhook_url_unresolvable',
        message: `${hostname} does not resolve: ${(error as Error).message}`,
      };
    }
    if (addresses.length === 0)
      return { ok: false, code: 'webhook_url_unresolvable', message: `${hostname} has no address` };
  }
  if (!policy.allowHttpWebhooks) {
    const blocked = addresses.find((entry) => isBlockedAddress(entry.address));
    if (blocked)
      return {
        ok: false,
        code: 'webhook_url_private_address',
        message: `${hostname} resolves to ${blocked.address}, a private, loopback or reserved address; webhooks only go to public addresses`,
      };
  }
  return {
    ok: true,
    target: {
      url,
      addresses: addresses.map(({ address, family }) => ({
        address,
        family: family === 6 ? 6 : 4,
      })),
    },
  };
}
