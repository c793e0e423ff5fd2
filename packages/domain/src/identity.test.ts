import { describe, expect, it } from 'vitest';
import { identityKey, type Identity } from './identity.ts';

const acme = { name: 'Acme Corp', domain: 'Acme.Example' };
const jane = { email: 'Jane@Initech.Example', firstName: 'Jane' };

describe('identityKey', () => {
  it.each<[string, 'B2B' | 'B2C', Identity, string | null]>([
    [
      'a company by its record id first',
      'B2B',
      { company: { ...acme, id: 'c-1' } },
      'company:id:c-1',
    ],
    [
      'a company by its domain, without case',
      'B2B',
      { company: acme },
      'company:domain:acme.example',
    ],
    [
      'a company by its name when it has no domain',
      'B2B',
      { company: { name: ' Globex ' } },
      'company:name:globex',
    ],
    [
      'the employee, not the company, when a person is known',
      'B2B',
      { company: acme, person: jane },
      'person:email:jane@initech.example',
    ],
    [
      'a person by record id before email',
      'B2C',
      { person: { ...jane, id: 'p-9' } },
      'person:id:p-9',
    ],
    [
      'a person by email, without case',
      'B2C',
      { person: jane },
      'person:email:jane@initech.example',
    ],
    ['nobody, for B2C, when only a company is known', 'B2C', { company: acme }, null],
    ['nobody when the source knows nothing', 'B2B', {}, null],
  ])('keys %s', (_case, productType, identity, key) => {
    expect(identityKey(productType, identity)).toBe(key);
  });
});
