import { describe, expect, it } from 'vitest';
import { updatePixelInput } from './pixel.ts';
import { originAllowed, originMatches, referrerPatternSchema } from './referrers.ts';

describe('referrerPatternSchema', () => {
  it.each([
    ['https://acme.com', 'https://acme.com'],
    ['https://*.acme.com', 'https://*.acme.com'],
    ['http://localhost:8080', 'http://localhost:8080'],
    ['http://localhost', 'http://localhost'],
    ['https://app.acme.com', 'https://app.acme.com'],
    ['https://deep.app.acme.co.uk', 'https://deep.app.acme.co.uk'],
    ['https://my-app.acme.com', 'https://my-app.acme.com'],
    ['https://xn--bcher-kva.example', 'https://xn--bcher-kva.example'],
    ['HTTPS://ACME.COM', 'https://acme.com'],
    ['https://*.Acme.COM', 'https://*.acme.com'],
    ['Http://LocalHost:8080', 'http://localhost:8080'],
    ['  https://acme.com  ', 'https://acme.com'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['http://192.168.1.20', 'http://192.168.1.20'],
    ['https://acme.com:1', 'https://acme.com:1'],
    ['https://acme.com:443', 'https://acme.com:443'],
    ['https://acme.com:65535', 'https://acme.com:65535'],
  ])('accepts %j as %j', (input, output) => {
    expect(referrerPatternSchema.parse(input)).toBe(output);
  });

  it.each([
    ['a path', 'https://acme.com/x'],
    ['a trailing slash', 'https://acme.com/'],
    ['a wildcard with a path', 'https://*.acme.com/app'],
    ['a missing scheme', 'acme.com'],
    ['a missing scheme with wildcard', '*.acme.com'],
    ['a scheme-relative URL', '//acme.com'],
    ['ftp', 'ftp://acme.com'],
    ['ws', 'wss://acme.com'],
    ['a wildcard over a TLD', 'https://*.com'],
    ['a wildcard over localhost', 'http://*.localhost'],
    ['a partial-label wildcard', 'https://*acme.com'],
    ['a wildcard in the middle', 'https://app.*.acme.com'],
    ['a double wildcard', 'https://*.*.acme.com'],
    ['a bare wildcard', 'https://*'],
    ['port 0', 'https://acme.com:0'],
    ['port 70000', 'https://acme.com:70000'],
    ['port 65536', 'https://acme.com:65536'],
    ['a six-digit port', 'https://acme.com:123456'],
    ['an empty port', 'https://acme.com:'],
    ['a non-numeric port', 'https://acme.com:http'],
    ['the empty string', ''],
    ['whitespace only', '   '],
    ['a query string', 'https://acme.com?x=1'],
    ['an empty query string', 'https://acme.com?'],
    ['a fragment', 'https://acme.com#top'],
    ['user-info', 'https://a@b.com'],
    ['user-info with password', 'https://user:pw@acme.com'],
    ['a trailing dot', 'https://acme.com.'],
    ['an empty label', 'https://acme..com'],
    ['a label starting with a hyphen', 'https://-acme.com'],
    ['a label ending with a hyphen', 'https://acme-.com'],
    ['an underscore', 'https://my_app.acme.com'],
    ['a space inside', 'https://ac me.com'],
    ['an IPv6 literal', 'http://[::1]:3000'],
    ['a label longer than 63 characters', `https://${'a'.repeat(64)}.com`],
    ['more than 300 characters', `https://${'a.'.repeat(150)}com`],
    ['only a scheme', 'https://'],
  ])('rejects %s: %j', (_label, input) => {
    expect(referrerPatternSchema.safeParse(input).success).toBe(false);
  });

  it('accepts a 63-character label', () => {
    const origin = `https://${'a'.repeat(63)}.com`;
    expect(referrerPatternSchema.parse(origin)).toBe(origin);
  });

  it('rejects non-strings', () => {
    expect(referrerPatternSchema.safeParse(42).success).toBe(false);
    expect(referrerPatternSchema.safeParse(null).success).toBe(false);
  });

  it('updatePixelInput normalises every pattern and rejects the list if one is invalid', () => {
    const organizationId = '3f1c1f5e-6a53-4e43-9b0e-1f1f1f1f1f1f';
    expect(
      updatePixelInput.parse({
        organizationId,
        allowedReferrers: ['HTTPS://ACME.COM', ' https://*.acme.com '],
      }).allowedReferrers,
    ).toEqual(['https://acme.com', 'https://*.acme.com']);
    expect(
      updatePixelInput.safeParse({
        organizationId,
        allowedReferrers: ['https://acme.com', 'https://acme.com/x'],
      }).success,
    ).toBe(false);
    expect(
      updatePixelInput.safeParse({
        organizationId,
        allowedReferrers: Array.from({ length: 101 }, (_, i) => `https://a${i}.acme.com`),
      }).success,
    ).toBe(false);
  });
});

describe('originMatches', () => {
  it.each([
    // exact origins
    ['https://acme.com', 'https://acme.com', true],
    ['https://acme.com', 'HTTPS://ACME.COM', true],
    ['HTTPS://Acme.Com', 'https://acme.com', true],
    ['https://app.acme.com', 'https://acme.com', false],
    ['https://acme.co', 'https://acme.com', false],
    ['https://acme.com', 'https://app.acme.com', false],
    // wildcards: subdomains at any depth, never the apex
    ['https://app.acme.com', 'https://*.acme.com', true],
    ['https://a.b.c.acme.com', 'https://*.acme.com', true],
    ['https://APP.ACME.COM', 'https://*.acme.com', true],
    ['https://acme.com', 'https://*.acme.com', false],
    ['https://acme.com.evil.io', 'https://*.acme.com', false],
    ['https://app.acme.com.evil.io', 'https://*.acme.com', false],
    ['https://evilacme.com', 'https://*.acme.com', false],
    ['https://evil-acme.com', 'https://*.acme.com', false],
    ['https://app.acme.co', 'https://*.acme.com', false],
    ['https://acme.com.evil.io', 'https://acme.com', false],
    ['https://evilacme.com', 'https://acme.com', false],
    // schemes
    ['http://acme.com', 'https://acme.com', false],
    ['https://acme.com', 'http://acme.com', false],
    ['http://app.acme.com', 'https://*.acme.com', false],
    // default ports
    ['https://acme.com:443', 'https://acme.com', true],
    ['https://acme.com', 'https://acme.com:443', true],
    ['http://acme.com:80', 'http://acme.com', true],
    ['http://acme.com', 'http://acme.com:80', true],
    ['https://app.acme.com:443', 'https://*.acme.com', true],
    ['https://acme.com:80', 'https://acme.com', false],
    ['http://acme.com:443', 'http://acme.com', false],
    // explicit ports
    ['http://localhost:8080', 'http://localhost:8080', true],
    ['http://localhost:3000', 'http://localhost:8080', false],
    ['http://localhost', 'http://localhost:8080', false],
    ['http://localhost:8080', 'http://localhost', false],
    ['https://app.acme.com:8443', 'https://*.acme.com', false],
    ['https://app.acme.com:8443', 'https://*.acme.com:8443', true],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000', true],
    ['http://127.0.0.1:3001', 'http://127.0.0.1:3000', false],
    ['http://127.0.0.2:3000', 'http://127.0.0.1:3000', false],
    // malformed requests or patterns never match
    ['https://*.acme.com', 'https://*.acme.com', false],
    ['null', 'https://acme.com', false],
    ['', 'https://acme.com', false],
    ['https://acme.com/', 'https://acme.com', false],
    ['https://acme.com/path', 'https://acme.com', false],
    ['https://acme.com', 'https://acme.com/', false],
    ['https://acme.com', '', false],
    ['https://x.com', 'https://*.com', false],
    ['https://a@acme.com', 'https://acme.com', false],
    ['https://acme.com:0', 'https://acme.com:0', false],
    ['https://acme.com:70000', 'https://acme.com:70000', false],
  ] as const)('%j against %j -> %s', (origin, pattern, expected) => {
    expect(originMatches(origin, pattern)).toBe(expected);
  });
});

describe('originAllowed', () => {
  const patterns = ['https://acme.com', 'https://*.partner.io', 'http://localhost:8080'];

  it.each([
    ['https://acme.com', true],
    ['https://app.partner.io', true],
    ['https://x.y.partner.io', true],
    ['http://localhost:8080', true],
    ['https://partner.io', false],
    ['https://app.acme.com', false],
    ['http://acme.com', false],
    ['http://localhost:3000', false],
    ['https://partner.io.evil.io', false],
  ] as const)('%j -> %s', (origin, expected) => {
    expect(originAllowed(origin, patterns)).toBe(expected);
  });

  it('allows nothing with an empty list', () => {
    expect(originAllowed('https://acme.com', [])).toBe(false);
  });

  it('skips malformed patterns without failing the others', () => {
    expect(originAllowed('https://acme.com', ['not an origin', 'https://acme.com'])).toBe(true);
    expect(originAllowed('https://acme.com', ['not an origin', 'https://*.com'])).toBe(false);
  });
});

describe('edge cases of origins', () => {
  it('compares ports as numbers, so a leading zero still matches', () => {
    expect(originMatches('https://acme.com', 'https://acme.com:0443')).toBe(true);
    expect(originMatches('http://acme.com:080', 'http://acme.com')).toBe(true);
    expect(originMatches('https://acme.com:8443', 'https://acme.com:0443')).toBe(false);
  });

  it('refuses a wildcard over a numeric host, which would match any address', () => {
    expect(referrerPatternSchema.safeParse('http://*.0.0.1').success).toBe(false);
    expect(originMatches('http://10.0.0.1', 'http://*.0.0.1')).toBe(false);
  });
});
