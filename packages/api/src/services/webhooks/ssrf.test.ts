import { describe, expect, it } from 'vitest';
import { checkWebhookTarget, isBlockedAddress, type Resolve } from './ssrf.ts';

const resolvesTo =
  (...addresses: string[]): Resolve =>
  () =>
    Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

const strict = { allowHttpWebhooks: false };
const lax = { allowHttpWebhooks: true };

describe('isBlockedAddress', () => {
  // prettier-ignore
  it.each([
    // IPv4 special-purpose registry
    '0.0.0.0', '0.1.2.3', '10.0.0.1', '10.255.255.255', '100.64.0.1', '100.127.255.255',
    '127.0.0.1', '127.255.255.254', '169.254.169.254', '169.254.0.1', '172.16.0.1',
    '172.31.255.255', '192.0.0.8', '192.0.0.170', '192.0.2.1', '192.31.196.1', '192.52.193.1',
    '192.88.99.1', '192.168.1.1', '192.175.48.1', '198.18.0.1', '198.19.255.255', '198.51.100.7',
    '203.0.113.10', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255',
    // IPv6 special-purpose registry
    '::', '::1', '::127.0.0.1', '::8.8.8.8', '100::1', '100:0:0:1::1', '2001::1', '2001:2::1',
    '2001:3::1', '2001:4:112::1', '2001:10::1', '2001:20::1', '2001:30::1', '2001:db8::1',
    '2620:4f:8000::1', '3fff::1', '5f00::1', 'fc00::1', 'fd12:3456::1', 'fe80::1',
    'fe80::1%eth0', 'fec0::1', 'ff02::1',
    // IPv4-mapped (::ffff:0:0/96), in every spelling
    '::ffff:127.0.0.1', '::ffff:10.1.2.3', '::ffff:a9fe:a9fe', '::ffff:7f00:1',
    '0:0:0:0:0:ffff:7f00:1', '::ffff:8.8.8.8',
    // IPv4-translated (::ffff:0:0:0/96)
    '::ffff:0:127.0.0.1', '::ffff:0:7f00:1', '::ffff:0:808:808',
    // NAT64: well-known (64:ff9b::/96) and local-use (64:ff9b:1::/48) prefixes
    '64:ff9b::a00:1', '64:ff9b::7f00:1', '64:ff9b::808:808', '64:ff9b:1::a00:1',
    '64:ff9b:1:ffff::808:808',
    // 6to4 and Teredo carrying a private address
    '2002:a00:1::1', '2002:7f00:1::', '2002:c0a8:101::1', '2001:0:a00:1::1',
    '2001:0:808:808::80ff:fffe',
    'not an address', '',
  ])('blocks %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  // prettier-ignore
  it.each([
    '8.8.8.8', '1.1.1.1', '93.184.215.14', '172.32.0.1', '172.15.255.255', '100.128.0.1',
    '169.253.255.255', '192.169.0.1', '11.0.0.1', '2606:4700:4700::1111', '2a00:1450:4001::1',
    '2002:808:808::1', '2001:0:808:808::f7f7:f7f7',
  ])('allows %s', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});

describe('checkWebhookTarget', () => {
  it('accepts https to a public address, keeping every checked address', async () => {
    const check = await checkWebhookTarget(
      'https://hooks.example.com/in',
      strict,
      resolvesTo('93.184.215.7', '2606:4700::7'),
    );
    expect(check).toMatchObject({
      ok: true,
      target: {
        addresses: [
          { address: '93.184.215.7', family: 4 },
          { address: '2606:4700::7', family: 6 },
        ],
      },
    });
  });

  it.each([
    ['http://hooks.example.com/', strict, 'webhook_url_insecure'],
    ['http://localhost:8080/', strict, 'webhook_url_insecure'],
    ['http://hooks.example.com/', lax, 'webhook_url_insecure'],
    ['http://10.0.0.1/', lax, 'webhook_url_insecure'],
    ['ftp://hooks.example.com/', lax, 'webhook_url_insecure'],
    ['https://10.0.0.1/', strict, 'webhook_url_private_address'],
    ['https://169.254.169.254/latest/meta-data', strict, 'webhook_url_private_address'],
    ['https://[::1]/', strict, 'webhook_url_private_address'],
    ['https://[::ffff:127.0.0.1]/', strict, 'webhook_url_private_address'],
    ['https://[::ffff:0:127.0.0.1]/', strict, 'webhook_url_private_address'],
    ['https://[64:ff9b::10.0.0.1]/', strict, 'webhook_url_private_address'],
    ['https://[64:ff9b:1::a00:1]/', strict, 'webhook_url_private_address'],
    ['https://[2001:db8::1]/', strict, 'webhook_url_private_address'],
    ['https://203.0.113.10/', strict, 'webhook_url_private_address'],
    // WHATWG URLs read these as 127.0.0.1 before any check sees them.
    ['https://2130706433/', strict, 'webhook_url_private_address'],
    ['https://0x7f.1/', strict, 'webhook_url_private_address'],
    ['nonsense', strict, 'webhook_url_invalid'],
  ] as const)('refuses %s (%o)', async (url, policy, code) => {
    const check = await checkWebhookTarget(url, policy, resolvesTo('93.184.215.7'));
    expect(check).toMatchObject({ ok: false, code });
  });

  it('refuses a name with any private address among its records', async () => {
    const check = await checkWebhookTarget(
      'https://mixed.example.com/',
      strict,
      resolvesTo('93.184.215.7', '10.0.0.5'),
    );
    expect(check).toMatchObject({ ok: false, code: 'webhook_url_private_address' });
    if (!check.ok) expect(check.message).toContain('10.0.0.5');
  });

  it('refuses a name that does not resolve', async () => {
    const check = await checkWebhookTarget('https://nowhere.example/', strict, () =>
      Promise.reject(
        Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example'), { code: 'ENOTFOUND' }),
      ),
    );
    expect(check).toMatchObject({ ok: false, code: 'webhook_url_unresolvable' });
  });

  it('resolves localhost with the system resolver and refuses it unless allowed', async () => {
    expect(await checkWebhookTarget('https://localhost/', strict)).toMatchObject({
      ok: false,
      code: 'webhook_url_private_address',
    });
    expect(await checkWebhookTarget('http://localhost:9/', lax)).toMatchObject({ ok: true });
    expect(await checkWebhookTarget('http://127.0.0.1:9/', lax)).toMatchObject({ ok: true });
  });
});
