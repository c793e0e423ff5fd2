import { identityRecordSchema, type Identity } from '@allot/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fastReadingEnabled,
  readAcceptedIdentity,
  readIdentityFast,
  readRecord,
} from './record-reading.ts';

/** What the loader made of a line's JSON before the fast reading: the schema, then the parts. */
function reference(json: unknown) {
  const parsed = identityRecordSchema.safeParse(json);
  if (!parsed.success) return { ok: false as const };
  const { cidr, company, person } = parsed.data;
  const identity: Identity = {};
  if (company) identity.company = company;
  if (person) identity.person = person;
  return { ok: true as const, cidr, identity: company || person ? identity : null };
}

// Values at and around every rule's edges: lengths at the bounds and past them, text the text
// rule refuses, emails either side of the pattern, integers out of range or not integers,
// null, wrong types, and keys the schema does not have.
// Mostly good values, so that a fair share of whole records are valid.
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: bad });
const text = (max: number) =>
  mostly(
    fc.oneof(
      fc.string({ minLength: 1, maxLength: 8 }),
      fc.constantFrom('x'.repeat(max), 'é\ud83d\ude00'),
    ),
    fc.constantFrom('', 'x'.repeat(max + 1), 'a\u0000b', 'a\ud800'),
  );
const optional = <T>(arb: fc.Arbitrary<T>) =>
  mostly(arb, fc.constantFrom(null, undefined, 42, ['x']));
const count = mostly(
  fc.oneof(fc.nat(), fc.constantFrom(0, -0, 2 ** 53 - 1)),
  fc.constantFrom(-1, 1.5, 2 ** 53, '7'),
);
const email = mostly(
  // fc's addresses are RFC 5322's, which the schema's pattern often refuses: both sides.
  fc.oneof(fc.emailAddress(), fc.constantFrom('a@b.co', 'A.B@Example.CO', 'x+y@z.example')),
  fc.constantFrom('not an email', '@x.io', `${'a'.repeat(310)}@example.com`),
);
const company = fc.record(
  {
    id: optional(text(200)),
    name: optional(text(300)),
    domain: optional(text(300)),
    industry: optional(text(200)),
    employeeCount: optional(count),
    revenue: optional(count),
    country: optional(text(100)),
    extra: fc.string(),
  },
  { requiredKeys: ['name'] }, // and sometimes undefined: absent from the JSON
);
const person = fc.record(
  {
    id: optional(text(200)),
    email: optional(email),
    firstName: optional(text(200)),
    lastName: optional(text(200)),
    title: optional(text(300)),
    linkedinUrl: optional(text(500)),
    extra: fc.string(),
  },
  { requiredKeys: [] },
);
const record = fc.record(
  {
    cidr: mostly(fc.constant('10.0.0.0/8'), text(64)),
    company: mostly(company, fc.constantFrom(null, 'acme')),
    person: mostly(person, fc.constant(null)),
    source: fc.string(),
  },
  { requiredKeys: ['cidr'] },
);

describe('readRecord', () => {
  it('is in use for the schemas as they are', () => {
    expect(fastReadingEnabled).toBe(true);
  });

  it('reads every record as the schema does', () => {
    let accepted = 0;
    let fastAccepted = 0;
    fc.assert(
      fc.property(mostly(record, fc.constantFrom(null, [], 'x', 1)), (value) => {
        // As the loader has it: parsed from JSON text, which says whether escapes were used.
        const jsonText = JSON.stringify(value);
        const json: unknown = JSON.parse(jsonText);
        const storable = !jsonText.includes('\\');
        const expected = reference(json);
        const read = readRecord(json, storable);
        expect(read.ok).toBe(expected.ok);
        if (expected.ok) {
          accepted += 1;
          // Read again for a lookup, unchecked: the same identity.
          expect(readAcceptedIdentity(json)).toStrictEqual(expected.identity);
        }
        if (read.ok && expected.ok) {
          expect(read.cidr).toBe(expected.cidr);
          expect(read.identity).toStrictEqual(expected.identity);
        }
        // The fast reading alone only ever accepts what the schema accepts, reading it the same.
        const fast = readIdentityFast(json, storable);
        if (fast !== undefined && typeof json === 'object' && json && !Array.isArray(json)) {
          fastAccepted += 1;
          const withCidr = reference({ ...json, cidr: '10.0.0.0/8' });
          expect(withCidr.ok).toBe(true);
          if (withCidr.ok) expect(fast).toStrictEqual(withCidr.identity);
        }
      }),
      { numRuns: 5_000 },
    );
    // The edges are reached from both sides: a fair share of the records are valid.
    expect(accepted).toBeGreaterThan(1_000);
    expect(fastAccepted).toBeGreaterThan(1_000);
  });

  it('words a refusal as the schema does', () => {
    const read = readRecord({ cidr: '10.0.0.0/8', company: { domain: 'x.example' } }, true);
    expect(read).toEqual({ ok: false, message: expect.stringMatching(/^company\.name: /) });
  });
});
