import { defined, type Identity } from '@allot/domain';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6, parseCidr, type CidrRange } from './cidr.ts';
import { createDatasetResolver, loadDataset } from './dataset.ts';

let dir: string;
let files = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'allot-identity-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function datasetFile(lines: (string | object)[]) {
  const path = join(dir, `dataset-${(files += 1)}.jsonl`);
  await writeFile(
    path,
    lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'),
  );
  return path;
}

const company = (name: string) => ({ company: { name } });

describe('lookup against a linear scan', () => {
  // A dataset line as the generator makes it: a range, and who is behind it (or nobody).
  interface Line {
    range: CidrRange;
    identity: Identity | null;
  }

  /**
   * The reference: every line whose range holds the address; the longest prefix wins, then the
   * latest line.
   */
  function scan(lines: Line[], family: 4 | 6, value: number | bigint): Identity | null {
    let best: Line | null = null;
    for (const line of lines) {
      const r = line.range;
      if (r.family !== family || value < r.start || value > r.end) continue;
      if (!best || r.prefix >= best.range.prefix) best = line;
    }
    return best?.identity ?? null;
  }

  // Ranges share a few base addresses, so they nest, overlap, repeat and touch; the identities
  // come from a small pool, so equal identities meet (and are stored once).
  const v4Bases = [0, 0x0a000000, 0xc0000200, 0xc0000280, 0xffffffff];
  const v6Bases = [
    0n,
    0x20010db8n << 96n,
    (0x20010db8n << 96n) | (0xabcdn << 64n),
    (1n << 128n) - 1n,
  ];
  const identityArb = fc
    .oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      {
        weight: 6,
        arbitrary: fc.record(
          {
            company: fc.record({ name: fc.constantFrom('A Ltd', 'B Ltd', 'C Ltd') }),
            person: fc.record({ email: fc.constantFrom('a@example.com', 'b@example.com') }),
          },
          { requiredKeys: [] },
        ),
      },
    )
    .map((identity) => (identity?.company || identity?.person ? identity : null)); // {}: nobody
  const lineArb = fc
    .oneof(
      fc.record({
        family: fc.constant(4 as const),
        base: fc.oneof(fc.constantFrom(...v4Bases), fc.nat(2 ** 32 - 1)),
        prefix: fc.nat(32),
      }),
      fc.record({
        family: fc.constant(6 as const),
        base: fc.oneof(fc.constantFrom(...v6Bases), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })),
        prefix: fc.nat(128),
      }),
    )
    .chain(({ family, base, prefix }) => {
      const text =
        family === 4
          ? `${formatIPv4(base - (base % 2 ** (32 - prefix)))}/${prefix}`
          : `${formatIPv6(base & ~((1n << BigInt(128 - prefix)) - 1n))}/${prefix}`;
      const parsed = parseCidr(text);
      if (!parsed.ok) throw new Error(parsed.reason);
      return identityArb.map((identity): Line => ({ range: parsed.range, identity }));
    });

  /**
   * The ways a line may be written: as JSON.stringify writes it with the `cidr` first (which the
   * loader reads from its bytes), and others it reads in full: keys in another order, spaces,
   * escapes, a key the schema does not have, surrounding blanks, a CRLF line end.
   */
  const spellings: Record<string, (record: { cidr: string } & Identity) => string> = {
    compact: (record) => JSON.stringify(record),
    reordered: ({ cidr, ...identity }) => JSON.stringify({ ...identity, cidr }),
    // Indented, then on one line: JSON never holds a raw line break inside a string.
    spaced: (record) => JSON.stringify(record, null, 2).replaceAll('\n', ' '),
    escaped: (record) => JSON.stringify(record).replaceAll('L', '\\u004c'),
    extraKey: ({ cidr, ...identity }) => JSON.stringify({ cidr, source: 'x', ...identity }),
    padded: (record) => `  ${JSON.stringify(record)}\t`,
    crlf: (record) => `${JSON.stringify(record)}\r`,
  };

  it('finds the most specific range, then the latest line, at every edge', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.oneof(fc.nat(2 ** 32 - 1), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })), {
          maxLength: 10,
        }),
        fc.array(fc.constantFrom(...Object.keys(spellings)), { minLength: 40, maxLength: 40 }),
        async (lines, randomProbes, spelledAs) => {
          const path = await datasetFile(
            lines.map(({ range, identity }, i) =>
              defined(
                spellings[spelledAs[i] ?? 'compact'],
                'a spelling',
              )({
                cidr: `${range.family === 4 ? formatIPv4(range.start) : formatIPv6(range.start)}/${range.prefix}`,
                ...identity,
              }),
            ),
          );
          // A small cache, so that lookups also parse records again.
          const { index, errors, records } = await loadDataset(path, { cachedIdentities: 2 });
          expect(errors).toEqual([]);
          expect(records).toBe(lines.length);

          // An email answers the identity of the last line naming it.
          const byEmail = new Map<string, Identity>();
          for (const { identity } of lines) {
            if (identity?.person?.email) byEmail.set(identity.person.email, identity);
          }
          for (const email of ['a@example.com', 'b@example.com']) {
            expect(index.lookupEmail(email.toUpperCase()), email).toEqual(
              byEmail.get(email) ?? null,
            );
          }

          // Every range's first and last address and their neighbours, plus random addresses.
          const probes: { family: 4 | 6; value: number | bigint }[] = [];
          for (const { range } of lines) {
            if (range.family === 4) {
              for (const v of [range.start - 1, range.start, range.end, range.end + 1]) {
                if (v >= 0 && v < 2 ** 32) probes.push({ family: 4, value: v });
              }
            } else {
              for (const v of [range.start - 1n, range.start, range.end, range.end + 1n]) {
                if (v >= 0n && v < 1n << 128n) probes.push({ family: 6, value: v });
              }
            }
          }
          for (const v of randomProbes)
            probes.push({ family: typeof v === 'number' ? 4 : 6, value: v });

          for (const { family, value } of probes) {
            const expected = scan(lines, family, value);
            if (family === 4) {
              const text = formatIPv4(value as number);
              expect(index.lookup(text), text).toEqual(expected);
              // As Node reports an IPv4 client on a dual-stack socket.
              expect(index.lookup(`::ffff:${text}`), `::ffff:${text}`).toEqual(expected);
            } else {
              // In ::ffff:0:0/96, an address is an IPv4 one: IPv6 ranges never hold it.
              if ((value as bigint) >> 32n === 0xffffn) continue;
              const text = formatIPv6(value as bigint);
              expect(index.lookup(text), text).toEqual(expected);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('loadDataset', () => {
  it('skips malformed lines with their line numbers and loads the rest', async () => {
    const path = await datasetFile([
      { cidr: '192.0.2.0/24', ...company('Example Analytics Ltd') },
      '{"cidr": "198.51.100.0/24", "company": {"name": "Broken"',
      { cidr: '198.51.100.0/24', company: { domain: 'no-name.example' } },
      '',
      { cidr: '300.1.1.1/24', ...company('Bad Address Ltd') },
      { cidr: '10.0.0.0/33', ...company('Bad Prefix Ltd') },
      { cidr: '10.1.0.1/16', ...company('Host Bits Ltd') },
      '   ',
      '[1, 2, 3]',
      { cidr: '203.0.113.0/24', person: { email: 'not an email' } },
      { cidr: '2001:db8::/32', ...company('Example Telecom Ltd') },
    ]);
    const { index, errors, skipped, records } = await loadDataset(path);

    expect(errors.map((e) => e.line)).toEqual([2, 3, 5, 6, 7, 9, 10]);
    expect(skipped).toBe(7);
    expect(errors[0]?.message).toMatch(/^invalid JSON: /);
    expect(errors[1]?.message).toMatch(/^company\.name: /);
    expect(errors[2]?.message).toBe('cidr: not an IPv4 or IPv6 address: "300.1.1.1"');
    expect(errors[3]?.message).toBe('cidr: prefix "/33" is not between /0 and /32');
    expect(errors[4]?.message).toBe(
      'cidr: host bits set in "10.1.0.1/16" (the network is 10.1.0.0/16)',
    );
    expect(errors[6]?.message).toMatch(/^person\.email: /);

    expect(records).toBe(2);
    expect(index.lookup('192.0.2.77')).toEqual(company('Example Analytics Ltd'));
    expect(index.lookup('2001:db8:5::1')).toEqual(company('Example Telecom Ltd'));
    expect(index.lookup('198.51.100.1')).toBeNull();
    expect(index.lookup('10.0.0.1')).toBeNull();
  });

  it('words the errors of lines in the fast form as the schema and JSON.parse do, each time', async () => {
    const lines = [
      '{"cidr":"192.0.2.0/24",}',
      '{"cidr":"10.1.0.1/16","company":{"name":""}}',
      '{"cidr":"198.51.100.0/24","cidr":"300.0.0.0/8","company":{"name":"Dup Ltd"}}',
      '{"cidr":"203.0.113.0/24","company":{"name":"A\\u0000"}}',
      '{"cidr":"203.0.113.0/24","company":{"name":"A\\u0000"}}',
      '{"cidr":"203.0.113.0/24","company":{"name":"Good Ltd"}} trailing',
      '{"cidr":"10.0.0.0/8","company":{"name":"Wide Ltd"}}',
      '{"cidr":"10.0.0.0/8","company":{"name":"Wide Ltd"},"person":{"email":"x"}}',
    ];
    const { index, errors } = await loadDataset(await datasetFile(lines));
    const jsonError = (text: string) => {
      try {
        JSON.parse(text);
      } catch (error) {
        return `invalid JSON: ${(error as Error).message}`;
      }
      return 'parsed';
    };
    expect(errors).toEqual([
      { line: 1, message: jsonError(defined(lines[0], 'line 1')) },
      { line: 2, message: expect.stringMatching(/^company\.name: /) },
      { line: 3, message: 'cidr: not an IPv4 or IPv6 address: "300.0.0.0"' },
      { line: 4, message: expect.stringMatching(/^company\.name: must not contain NUL/) },
      { line: 5, message: expect.stringMatching(/^company\.name: must not contain NUL/) },
      { line: 6, message: jsonError(defined(lines[5], 'line 6')) },
      { line: 8, message: expect.stringMatching(/^person\.email: /) },
    ]);
    expect(index.lookup('10.1.2.3')).toEqual(company('Wide Ltd'));
    expect(index.lookup('203.0.113.1')).toBeNull();
  });

  it('keeps each distinct identity once, and parses it again for a lookup as it was read', async () => {
    const person = { email: 'Ann@Example.com', firstName: 'Ann', title: null };
    const identities = Array.from({ length: 300 }, (_, i) => ({
      company: { name: `Company ${i % 3} Ltd`, employeeCount: i % 3 },
      ...(i === 7 && { person }),
    }));
    const network = (i: number) => `10.${i >> 8}.${i & 255}`;
    const lines = identities.map((identity, i) => ({ cidr: `${network(i)}.0/24`, ...identity }));
    const { index, errors } = await loadDataset(await datasetFile(lines), { cachedIdentities: 1 });
    expect(errors).toEqual([]);
    expect(index.identities).toBe(4);
    for (const [i, identity] of identities.entries()) {
      expect(index.lookup(`${network(i)}.9`)).toEqual(identity);
    }
    expect(index.lookupEmail('ann@example.COM')).toEqual({
      company: { name: 'Company 1 Ltd', employeeCount: 1 },
      person,
    });
  });

  it('describes at most maxErrors lines, and counts them all', async () => {
    const path = await datasetFile(Array.from({ length: 50 }, () => 'nonsense'));
    const { errors, skipped, records } = await loadDataset(path, { maxErrors: 3 });
    expect(errors.map((e) => e.line)).toEqual([1, 2, 3]);
    expect([skipped, records]).toEqual([50, 0]);
  });

  it('reads CRLF line ends and a byte order mark', async () => {
    const path = join(dir, 'windows.jsonl');
    await writeFile(
      path,
      `\uFEFF${JSON.stringify({ cidr: '192.0.2.0/24', ...company('A Ltd') })}\r\n` +
        `${JSON.stringify({ cidr: '198.51.100.0/24', ...company('B Ltd') })}\r\n`,
    );
    const { index, errors } = await loadDataset(path);
    expect(errors).toEqual([]);
    expect(index.lookup('198.51.100.9')).toEqual(company('B Ltd'));
  });

  it('lets the most specific range win, then the later line; a line naming nobody carves a hole', async () => {
    const path = await datasetFile([
      { cidr: '10.0.0.0/8', ...company('Wide Ltd') },
      { cidr: '10.1.0.0/16', ...company('Narrow Ltd') },
      { cidr: '10.1.2.0/24', ...company('First Ltd') },
      { cidr: '10.1.2.0/24', ...company('Corrected Ltd') },
      { cidr: '10.1.3.0/24' },
    ]);
    const { index } = await loadDataset(path);
    expect(index.lookup('10.200.0.1')).toEqual(company('Wide Ltd'));
    expect(index.lookup('10.1.0.1')).toEqual(company('Narrow Ltd'));
    expect(index.lookup('10.1.2.255')).toEqual(company('Corrected Ltd'));
    expect(index.lookup('10.1.3.1')).toBeNull();
    expect(index.lookup('10.1.4.0')).toEqual(company('Narrow Ltd'));
  });

  it('answers null for anything that is not an address', async () => {
    const { index } = await loadDataset(
      await datasetFile([{ cidr: '0.0.0.0/0', ...company('All') }]),
    );
    for (const text of ['', 'nonsense', '1.2.3', '::g', '999.1.1.1', 'null']) {
      expect(index.lookup(text)).toBeNull();
    }
    expect(index.lookup('1.2.3.4')).toEqual(company('All'));
  });

  it('hands out identities no caller can alter', async () => {
    const { index } = await loadDataset(
      await datasetFile([{ cidr: '192.0.2.0/24', ...company('A Ltd') }]),
    );
    const identity = defined(index.lookup('192.0.2.1'), 'the identity');
    expect(() => {
      defined(identity.company, 'the company').name = 'Changed';
    }).toThrow(TypeError);
    expect(index.lookup('192.0.2.2')).toEqual(company('A Ltd'));
  });

  it('throws for a missing file', async () => {
    await expect(loadDataset(join(dir, 'missing.jsonl'))).rejects.toThrow(/ENOENT/);
  });
});

describe('createDatasetResolver', () => {
  it('resolves the demo dataset: localhost is a demo company, documentation ranges are companies', async () => {
    const demo = new URL('../../../../../apps/server/data/demo-identities.jsonl', import.meta.url);
    const { resolver, errors, records } = await createDatasetResolver(demo.pathname);
    expect(errors).toEqual([]);
    expect(records).toBeGreaterThanOrEqual(15);
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      const identity = await resolver.resolve(ip, null);
      expect(identity?.company?.name, ip).toBe('Example Analytics Ltd');
      expect(identity?.person?.email, ip).toBeTruthy();
    }
    for (const ip of ['192.0.2.10', '198.51.100.10', '203.0.113.10', '2001:db8:ffff::1']) {
      expect((await resolver.resolve(ip, 'Mozilla/5.0'))?.company?.name, ip).toBeTruthy();
    }
    expect(await resolver.resolve('8.8.8.8', null)).toBeNull();
    await resolver.close();
    expect(await resolver.resolve('127.0.0.1', null)).toBeNull();
  });

  it('logs what it loaded and the lines it skipped', async () => {
    const path = await datasetFile([{ cidr: '192.0.2.0/24', ...company('A Ltd') }, 'nonsense']);
    const info: string[] = [];
    const warn: string[] = [];
    const { skipped } = await createDatasetResolver(path, {
      log: { info: (m) => info.push(m), warn: (m) => warn.push(m) },
    });
    expect(skipped).toBe(1);
    expect(info).toEqual([expect.stringMatching(/1 ranges loaded .*1 lines skipped/)]);
    expect(warn).toEqual([expect.stringMatching(/:2: invalid JSON/)]);
  });
});
