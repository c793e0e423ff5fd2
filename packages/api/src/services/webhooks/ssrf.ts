import { lookup } from 'node:dns/promises';
import { parseCidr, parseIp, type CidrRange, type IpAddress } from '../identity/cidr.ts';

/**
 * Partners choose where Allot sends requests, so a webhook URL must never reach the
 * deployment's own network: loopback, private and link-local ranges (the cloud metadata service
 * at 169.254.169.254), carrier-grade NAT, multicast and reserved space. Checked on the resolved
 * addresses, when an endpoint is saved and again before every attempt (DNS can change); the
 * attempt then connects to the address checked, never to a second lookup's answer.
 */
const BLOCKED = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
  // IPv4-compatible (deprecated) addresses, :: and ::1 among them. IPv4-mapped ones
  // (::ffff:a.b.c.d) are read as the IPv4 address they carry, so the IPv4 ranges cover them.
  '::/96',
  '100::/64',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
].map((text) => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.range;
});

/** IPv6 ranges that embed an IPv4 address (NAT64, 6to4): judged by the address inside. */
const EMBEDDING: { range: CidrRange; shift: bigint }[] = [
  { range: parseCidr('64:ff9b::/96'), shift: 0n },
  { range: parseCidr('2002::/16'), shift: 80n },
].map(({ range, shift }) => {
  if (!range.ok) throw new Error(range.reason);
  return { range: range.range, shift };
});

const within = (address: IpAddress, range: CidrRange) =>
  address.family === range.family && address.value >= range.start && address.value <= range.end;

/** Whether an address is one a webhook must not reach (unparseable counts as blocked). */
export function isBlockedAddress(text: string): boolean {
  const address = parseIp(text);
  if (!address) return true;
  if (BLOCKED.some((range) => within(address, range))) return true;
  if (address.family === 6) {
    for (const { range, shift } of EMBEDDING) {
      if (within(address, range)) {
        const v4 = Number((address.value >> shift) & 0xffffffffn);
        return isBlockedAddress(
          `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`,
        );
      }
    }
  }
  return false;
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
  { ok: true; target: WebhookTarget } | { ok: false; code: string; message: string };

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
  if (parseIp(hostname)) {
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
