import { defined } from '@allot/domain';

/**
 * IP addresses and CIDR ranges as numbers: IPv4 as a number (0 to 2^32 - 1, exact in a double),
 * IPv6 as a 128-bit bigint. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, which is how Node
 * reports an IPv4 client on a dual-stack socket) is the IPv4 address it carries.
 */
export type IpAddress = { family: 4; value: number } | { family: 6; value: bigint };

/** An inclusive range of addresses; `start` is the network address, `end` its last address. */
export type CidrRange =
  | { family: 4; start: number; end: number; prefix: number }
  | { family: 6; start: bigint; end: bigint; prefix: number };

export type CidrParse = { ok: true; range: CidrRange } | { ok: false; reason: string };

const IPV4_MAPPED_PREFIX = 96;

/**
 * A dotted-quad IPv4 address as a number, or -1. Strict: four decimal parts of 0-255 without
 * leading zeros (`010` is octal to inet_aton and decimal to others, so it is refused rather than
 * guessed). Written out by hand because it is the lookup's hot path.
 */
export function parseIPv4(text: string): number {
  const length = text.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46 /* . */) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots += 1;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && part === 0) return -1; // a leading zero
      part = part * 10 + (code - 48);
      digits += 1;
      if (part > 255) return -1;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + part;
}

const hexValue = (code: number) =>
  code >= 48 && code <= 57
    ? code - 48
    : code >= 97 && code <= 102
      ? code - 87
      : code >= 65 && code <= 70
        ? code - 55
        : -1;

/**
 * Reads a textual IPv6 address (RFC 4291: hex groups, one `::`, an optional dotted IPv4 tail; no
 * zone id) into `groups`; false if malformed. Hand-written: node:net's isIP and then a split
 * cost five times as much, and this is the lookup's path for IPv6 visitors.
 */
export function readIPv6(text: string, groups: Uint16Array): boolean {
  const length = text.length;
  if (length < 2 || length > 45) return false;
  let count = 0; // groups read
  let gap = -1; // where `::` stands, as a group index
  let i = 0;
  if (text.charCodeAt(0) === 58 /* : */) {
    if (text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < length) {
    if (count === 8) return false;
    let value = 0;
    let j = i;
    for (let h; j < length && (h = hexValue(text.charCodeAt(j))) >= 0; j++) {
      if (j - i === 4) return false;
      value = value * 16 + h;
    }
    if (j < length && text.charCodeAt(j) === 46 /* . */) {
      // A dotted IPv4 tail: the last two groups.
      const v4 = count <= 6 ? parseIPv4(text.slice(i)) : -1;
      if (v4 < 0) return false;
      groups[count++] = Math.floor(v4 / 65536);
      groups[count++] = v4 % 65536;
      break;
    }
    if (j === i) return false;
    groups[count++] = value;
    if (j === length) break;
    if (text.charCodeAt(j) !== 58) return false;
    i = j + 1;
    if (i === length) return false; // a trailing single colon
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return false; // a second `::`
      gap = count;
      i += 1;
    }
  }
  if (gap < 0) return count === 8;
  if (count === 8) return false; // `::` stands for at least one group
  // Slide the groups after `::` to the end and zero the ones it stands for.
  const after = count - gap;
  groups.copyWithin(8 - after, gap, count);
  groups.fill(0, gap, 8 - after);
  return true;
}

const toBigint = (groups: Uint16Array) =>
  groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);

/** Whether the groups are `::ffff:a.b.c.d`; then the IPv4 address, else -1. */
export function mappedIPv4(groups: Uint16Array): number {
  for (let i = 0; i < 5; i++) if (groups[i] !== 0) return -1;
  return groups[5] === 0xffff
    ? defined(groups[6], 'group 7') * 65536 + defined(groups[7], 'group 8')
    : -1;
}

/** An IPv6 address (a zone id allowed and dropped) as 8 groups, or null. */
export function parseIPv6Groups(text: string, into = new Uint16Array(8)): Uint16Array | null {
  const zone = text.indexOf('%');
  return readIPv6(zone < 0 ? text : text.slice(0, zone), into) ? into : null;
}

/**
 * An IPv4 or IPv6 address, or null for anything else (never throws: the input is whatever a
 * socket or a header said). A zone id (`fe80::1%eth0`) is ignored: ranges do not have zones.
 */
export function parseIp(text: string): IpAddress | null {
  const v4 = parseIPv4(text);
  if (v4 >= 0) return { family: 4, value: v4 };
  const groups = parseIPv6Groups(text);
  if (!groups) return null;
  const mapped = mappedIPv4(groups);
  return mapped >= 0 ? { family: 4, value: mapped } : { family: 6, value: toBigint(groups) };
}

export function formatIPv4(value: number): string {
  return `${Math.floor(value / 16777216)}.${Math.floor(value / 65536) % 256}.${Math.floor(value / 256) % 256}.${value % 256}`;
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run of 2+ zero groups (the first on a tie) as `::`. */
export function formatIPv6(value: bigint): string {
  const hex = value.toString(16).padStart(32, '0');
  const groups = Array.from({ length: 8 }, (_, i) =>
    parseInt(hex.slice(4 * i, 4 * i + 4), 16).toString(16),
  );
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j += 1;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  const before = groups.slice(0, bestStart).join(':');
  const after = groups.slice(bestStart + bestLength).join(':');
  return `${before}::${after}`;
}

/** The canonical text of an address: one spelling per address (a cache key, a request body). */
export function formatIp(address: IpAddress): string {
  return address.family === 4 ? formatIPv4(address.value) : formatIPv6(address.value);
}

/**
 * A CIDR range (`10.0.0.0/8`, `2001:db8::/32`); a bare address is a single host (/32, /128).
 * `::ffff:a.b.c.d/n` (n >= 96) is the IPv4 range a.b.c.d/(n - 96), matching how addresses are
 * read. Every other IPv6 range, even one that spans ::ffff:0:0/96 (`::/0`), only ever matches
 * IPv6 clients: IPv4 clients are looked up among IPv4 ranges.
 *
 * A range with host bits set (`10.1.2.3/8`) is refused, not rounded down to its network: it is
 * most likely a typo (for `10.1.2.3/32`?), and widening it would attribute, and bill, a whole /8
 * of visitors to whoever the line names. The reason names the network the author may have meant.
 */
export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? null : text.slice(slash + 1);
  if (addressText.includes('%')) return { ok: false, reason: `a range cannot have a zone id` };

  const address = parseIp(addressText);
  if (!address) return { ok: false, reason: `not an IPv4 or IPv6 address: "${addressText}"` };
  const mapped = address.family === 4 && addressText.includes(':');
  const bits = address.family === 4 && !mapped ? 32 : 128;

  let prefix = bits;
  if (prefixText !== null) {
    if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
      return { ok: false, reason: `prefix "/${prefixText}" is not between /0 and /${bits}` };
    }
    prefix = Number(prefixText);
  }

  if (mapped) {
    if (prefix >= IPV4_MAPPED_PREFIX) return ipv4Range(address.value, prefix - 96, text);
    // Shorter than /96: the ffff marker itself is host bits, which ipv6Range refuses.
    const groups = defined(parseIPv6Groups(addressText), 'the groups of a parsed address');
    return ipv6Range(toBigint(groups), prefix, text);
  }
  return address.family === 4
    ? ipv4Range(address.value, prefix, text)
    : ipv6Range(address.value, prefix, text);
}

/**
 * The common case of `parseCidr`, read straight from a dataset line's bytes: a strict dotted quad
 * with an optional `/n` (n without a leading zero, at most 32) and no host bits set. Returns the
 * range as `start * 64 + prefix` (exact in a double), or -1 for anything else, valid or not, which
 * the caller hands to `parseCidr` as text for the answer and its reason. Written for the loader: a
 * string per line, and the objects of a parse result, cost more than the rest of reading the range.
 */
export function readIPv4Cidr(bytes: Uint8Array, start: number, end: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let i = start;
  for (; i < end; i++) {
    const code = defined(bytes[i], 'a byte');
    if (code >= 48 && code <= 57) {
      if (digits > 0 && part === 0) return -1; // a leading zero
      part = part * 10 + (code - 48);
      digits += 1;
      if (part > 255) return -1;
    } else if (code === 46 /* . */ && digits > 0 && dots < 3) {
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots += 1;
    } else {
      break;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  value = value * 256 + part;
  let prefix = 32;
  if (i < end) {
    if (bytes[i] !== 47 /* / */ || i + 1 === end || end - i > 3) return -1;
    prefix = 0;
    for (let j = i + 1; j < end; j++) {
      const code = defined(bytes[j], 'a byte');
      if (code < 48 || code > 57 || (j > i + 1 && prefix === 0)) return -1;
      prefix = prefix * 10 + (code - 48);
    }
    if (prefix > 32) return -1;
  }
  // Host bits set: shifted out of 32 bits, the network bits leave nothing behind (`<<` takes the
  // count modulo 32, so /0 and /32 are cases of their own).
  if (prefix === 0 ? value !== 0 : prefix < 32 && value << prefix !== 0) return -1;
  return value * 64 + prefix;
}

function ipv4Range(value: number, prefix: number, text: string): CidrParse {
  const size = 2 ** (32 - prefix);
  const start = value - (value % size);
  if (start !== value) {
    return {
      ok: false,
      reason: `host bits set in "${text}" (the network is ${formatIPv4(start)}/${prefix})`,
    };
  }
  return { ok: true, range: { family: 4, start, end: start + size - 1, prefix } };
}

function ipv6Range(value: bigint, prefix: number, text: string): CidrParse {
  const hostMask = (1n << BigInt(128 - prefix)) - 1n;
  const start = value & ~hostMask;
  if (start !== value) {
    return {
      ok: false,
      reason: `host bits set in "${text}" (the network is ${formatIPv6(start)}/${prefix})`,
    };
  }
  return { ok: true, range: { family: 6, start, end: start | hostMask, prefix } };
}
