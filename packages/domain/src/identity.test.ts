import { describe, expect, it } from 'vitest';
import { identityFor, identityKey, type Identity } from './identity.ts';

const acme = { name: 'Acme Corp', domain: 'Acme.Example' };
const jane = { email: 'Jane@Initech.Example', firstName: 'Jane' };

describe('identityFor', () => {
  it.each<[string, 'B2B' | 'B2C', Identity | null, Identity | null]>([
    [
      'B2B the company, with its employee',
      'B2B',
      { company: acme, person: jane },
      { company: acme, person: jane },
    ],
    ['B2B nobody without a company', 'B2B', { person: jane }, null],
    ['B2C the person only', 'B2C', { company: acme, person: jane }, { person: jane }],
    ['B2C nobody when only a company is known', 'B2C', { company: acme }, null],
    ['nobody when the source knows nobody', 'B2B', null, null],
  ])('gives %s', (_case, productType, resolved, given) => {
    expect(identityFor(productType, resolved)).toEqual(given);
  });
});

describe('identityKey', () => {
  it.each<[string, Identity, string | null]>([
    ['a company by its record id first', { company: { ...acme, id: 'c-1' } }, 'company:id:c-1'],
    ['a company by its domain, without case', { company: acme }, 'company:domain:acme.example'],
    [
      'a company by its name when it has no domain',
      { company: { name: ' Globex ' } },
      'company:name:globex',
    ],
    [
      'the employee, not the company, when a person is known',
      { company: acme, person: jane },
      'person:email:jane@initech.example',
    ],
    ['a person by record id before email', { person: { ...jane, id: 'p-9' } }, 'person:id:p-9'],
    ['a person by email, without case', { person: jane }, 'person:email:jane@initech.example'],
    ['nothing when the identity is empty', {}, null],
  ])('keys %s', (_case, identity, key) => {
    expect(identityKey(identity)).toBe(key);
  });
});
