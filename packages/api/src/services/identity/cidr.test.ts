import fc from 'fast-check';
import { BlockList, isIP } from 'node:net';
import { defined } from '@allot/domain';
import { describe, expect, it } from 'vitest';
import {
  formatIPv4,
  formatIPv6,
  formatIp,
  parseCidr,
  parseIp,
  readIPv4Cidr,
  type CidrRange,
} from './cidr.ts';

const range = (text: string): CidrRange => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.range;
};

describe('parseIp', () => {
  // prettier-ignore
  it.each([
    { text: '0.0.0.0', address: { family: 4, value: 0 } },
    { text: '255.255.255.255', address: { family: 4, value: 2 ** 32 - 1 } },
    { text: '192.0.2.1', address: { family: 4, value: 0xc0000201 } },
    { text: '::ffff:192.0.2.1', address: { family: 4, value: 0xc0000201 } },
    { text: '::FFFF:c000:0201', address: { family: 4, value: 0xc0000201 } },
    { text: '0:0:0:0:0:ffff:192.0.2.1', address: { family: 4, value: 0xc0000201 } },
    { text: '::', address: { family: 6, value: 0n } },
    { text: '::1', address: { family: 6, value: 1n } },
    { text: '2001:db8::', address: { family: 6, value: 0x20010db8n << 96n } },
    { text: '2001:DB8:0:0:0:0:0:1', address: { family: 6, value: (0x20010db8n << 96n) | 1n } },
    { text: 'fe80::1%eth0', address: { family: 6, value: (0xfe80n << 112n) | 1n } },
    { text: '::192.0.2.1', address: { family: 6, value: 0xc0000201n } },
    { text: '1:2:3:4:5:6:7::', address: { family: 6, value: 0x0001000200030004000500060007_0000n } },
  ])('$text', ({ text, address }) => {
    expect(parseIp(text)).toEqual(address);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.04',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1..2.3',
    '0x1.2.3.4',
    'localhost',
    ':',
    ':::',
    '1:::2',
    '::1::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '12345::',
    '::g',
    '1:',
    ':1',
    '::ffff:256.1.1.1',
    '::1.2.3',
    '1.2.3.4::',
  ])('refuses %j', (text) => {
    expect(parseIp(text)).toBeNull();
  });

  it('accepts exactly what node:net accepts (without zone ids), as the same address', () => {
    const anyAddress = fc.oneof(
      fc.ipV4(),
      fc.ipV4Extended(), // octal, hex and short forms: all refused, by both
      fc.ipV6(),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.'), maxLength: 45 }),
    );
    fc.assert(
      fc.property(anyAddress, (text) => {
        const ours = parseIp(text);
        expect(ours !== null).toBe(isIP(text) !== 0);
        if (!ours) return;
        // The same address: node's BlockList agrees it is the only one in a /32 or /128 of ours.
        const list = new BlockList();
        const type = ours.family === 4 ? 'ipv4' : 'ipv6';
        list.addSubnet(formatIp(ours), ours.family === 4 ? 32 : 128, type);
        expect(list.check(text.replace(/^::ffff:/i, ''), type)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('formatIp', () => {
  it('writes IPv6 as RFC 5952 does (as the WHATWG URL serialiser does)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.nat(8), (value, zeroRun) => {
        // Runs of zero groups, where compression happens, are rare at random: make some.
        const hex = value.toString(16).padStart(32, '0');
        const groups = Array.from({ length: 8 }, (_, i) => hex.slice(4 * i, 4 * i + 4));
        const start = Number(value % 8n);
        for (let i = start; i < Math.min(8, start + zeroRun); i++) groups[i] = '0000';
        const address = BigInt(`0x${groups.join('')}`);
        const url = new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
        expect(formatIPv6(address)).toBe(url);
        expect(parseIp(formatIPv6(address))).toSatisfy(
          (parsed: ReturnType<typeof parseIp>) =>
            parsed?.family === 4 || (parsed?.family === 6 && parsed.value === address),
        );
      }),
    );
  });

  it('round-trips IPv4', () => {
    fc.assert(
      fc.property(fc.ipV4(), (text) => {
        expect(formatIPv4(defined(parseIp(text), 'the address').value as number)).toBe(text);
      }),
    );
  });
});

describe('parseCidr', () => {
  // prettier-ignore
  it.each([
    { text: '10.0.0.0/8', range: { family: 4, start: 0x0a000000, end: 0x0affffff, prefix: 8 } },
    { text: '0.0.0.0/0', range: { family: 4, start: 0, end: 2 ** 32 - 1, prefix: 0 } },
    { text: '192.0.2.7/32', range: { family: 4, start: 0xc0000207, end: 0xc0000207, prefix: 32 } },
    { text: '192.0.2.7', range: { family: 4, start: 0xc0000207, end: 0xc0000207, prefix: 32 } },
    { text: '::ffff:10.0.0.0/104', range: { family: 4, start: 0x0a000000, end: 0x0affffff, prefix: 8 } },
    { text: '::/0', range: { family: 6, start: 0n, end: (1n << 128n) - 1n, prefix: 0 } },
    { text: '::1/128', range: { family: 6, start: 1n, end: 1n, prefix: 128 } },
    { text: '2001:db8::/32', range: { family: 6, start: 0x20010db8n << 96n, end: (0x20010db9n << 96n) - 1n, prefix: 32 } },
  ])('$text', ({ text, range }) => {
    expect(parseCidr(text)).toEqual({ ok: true, range });
  });

  // prettier-ignore
  it.each([
    { text: '300.1.1.1/24', reason: 'not an IPv4 or IPv6 address: "300.1.1.1"' },
    { text: '10.0.0.0/33', reason: 'prefix "/33" is not between /0 and /32' },
    { text: '2001:db8::/129', reason: 'prefix "/129" is not between /0 and /128' },
    { text: '10.0.0.0/', reason: 'prefix "/" is not between /0 and /32' },
    { text: '10.0.0.0/-1', reason: 'prefix "/-1" is not between /0 and /32' },
    { text: '10.0.0.0/08', reason: 'prefix "/08" is not between /0 and /32' },
    { text: '10.0.0.0/8/8', reason: 'prefix "/8/8" is not between /0 and /32' },
    { text: '10.1.2.3/8', reason: 'host bits set in "10.1.2.3/8" (the network is 10.0.0.0/8)' },
    { text: '2001:db8::1/32', reason: 'host bits set in "2001:db8::1/32" (the network is 2001:db8::/32)' },
    { text: '::ffff:10.0.0.0/64', reason: 'host bits set in "::ffff:10.0.0.0/64" (the network is ::/64)' },
    { text: 'fe80::/10%eth0', reason: 'prefix "/10%eth0" is not between /0 and /128' },
    { text: 'fe80::%eth0/10', reason: 'a range cannot have a zone id' },
  ])('refuses $text', ({ text, reason }) => {
    expect(parseCidr(text)).toEqual({ ok: false, reason });
  });

  it('holds exactly the addresses node:net BlockList puts in the same subnet', () => {
    const v4 = fc.record({
      family: fc.constant(4 as const),
      address: fc.ipV4(),
      prefix: fc.nat(32),
    });
    const v6 = fc.record({
      family: fc.constant(6 as const),
      address: fc.ipV6(),
      prefix: fc.nat(128),
    });
    fc.assert(
      fc.property(fc.oneof(v4, v6), fc.boolean(), ({ family, address, prefix }, near) => {
        const parsed = parseIp(address);
        if (!parsed || parsed.family !== family) return; // a mapped address: IPv4
        const type = family === 4 ? 'ipv4' : 'ipv6';
        // The network of the address, which parseCidr must accept.
        const list = new BlockList();
        list.addSubnet(address, prefix, type);
        const r =
          family === 4
            ? range(`${formatIPv4(network4(parsed.value as number, prefix))}/${prefix}`)
            : range(`${formatIPv6(network6(parsed.value as bigint, prefix))}/${prefix}`);
        // Probes: the range's edges and just beyond them, or the address itself.
        const probes = near
          ? [
              r.start,
              r.end,
              ...(r.family === 4 ? [r.start - 1, r.end + 1] : [r.start - 1n, r.end + 1n]),
            ]
          : [parsed.value];
        for (const probe of probes) {
          const max = family === 4 ? 2 ** 32 - 1 : (1n << 128n) - 1n;
          if (probe < 0 || probe > max) continue;
          const text = family === 4 ? formatIPv4(probe as number) : formatIPv6(probe as bigint);
          expect(probe >= r.start && probe <= r.end).toBe(list.check(text, type));
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('readIPv4Cidr', () => {
  const read = (text: string) => {
    // Amid other bytes, as in a line.
    const bytes = Buffer.from(`{"cidr":"${text}",`);
    const packed = readIPv4Cidr(bytes, 9, 9 + text.length);
    return packed < 0 ? null : { start: Math.floor(packed / 64), prefix: packed % 64 };
  };

  it('reads a range as parseCidr does, or leaves it to parseCidr', () => {
    const cidrLike = fc.oneof(
      fc.tuple(fc.ipV4(), fc.nat(40)).map(([ip, prefix]) => `${ip}/${prefix}`),
      fc
        .tuple(fc.nat(2 ** 32 - 1), fc.nat(32))
        .map(([value, prefix]) => `${formatIPv4(network4(value, prefix))}/${prefix}`),
      fc.ipV4(),
      fc.string({ unit: fc.constantFrom(...'0123456789./:'), maxLength: 20 }),
    );
    fc.assert(
      fc.property(cidrLike, (text) => {
        const parsed = parseCidr(text);
        const ours = read(text);
        if (ours) {
          expect(parsed).toEqual({
            ok: true,
            range: {
              family: 4,
              start: ours.start,
              end: ours.start + 2 ** (32 - ours.prefix) - 1,
              prefix: ours.prefix,
            },
          });
        } else if (parsed.ok && parsed.range.family === 4 && !text.includes(':')) {
          throw new Error(`a plain IPv4 range left to parseCidr: ${text}`);
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it.each([
    '10.0.0.0/08',
    '10.0.0.0/',
    '10.0.0.0/33',
    '10.1.0.0/8',
    '010.0.0.0/8',
    '1.2.3/8',
    '::1',
  ])('leaves %j to parseCidr', (text) => expect(read(text)).toBeNull());
});

const network4 = (value: number, prefix: number) => value - (value % 2 ** (32 - prefix));
const network6 = (value: bigint, prefix: number) => value & ~((1n << BigInt(128 - prefix)) - 1n);
