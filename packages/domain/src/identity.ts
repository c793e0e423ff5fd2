import { z } from 'zod';
import type { ProductType } from './organizations.ts';
import { text, withTextRule } from './text.ts';

/** What an identity source knows about the company behind an IP address (B2B). */
export const companyIdentitySchema = z.object({
  /** The source's stable record id for the company, when it has one. */
  id: text().min(1).max(200).nullish(),
  name: text().min(1).max(300),
  domain: text().max(300).nullish(),
  industry: text().max(200).nullish(),
  employeeCount: z.int().min(0).nullish(),
  revenue: z.int().min(0).nullish(),
  country: text().max(100).nullish(),
});

/** What an identity source knows about the person behind an IP address (B2C). */
export const personIdentitySchema = z.object({
  /** The source's stable record id for the person, when it has one. */
  id: text().min(1).max(200).nullish(),
  email: withTextRule(z.email()).max(320).nullish(),
  firstName: text().max(200).nullish(),
  lastName: text().max(200).nullish(),
  title: text().max(300).nullish(),
  linkedinUrl: text().max(500).nullish(),
});

export const identitySchema = z.object({
  company: companyIdentitySchema.nullish(),
  person: personIdentitySchema.nullish(),
});

/** One line of an identity dataset (JSON Lines): a CIDR range and who is behind it. */
export const identityRecordSchema = identitySchema.extend({ cidr: text().min(1).max(64) });

export type CompanyIdentity = z.infer<typeof companyIdentitySchema>;
export type PersonIdentity = z.infer<typeof personIdentitySchema>;
export type Identity = z.infer<typeof identitySchema>;
export type IdentityRecord = z.infer<typeof identityRecordSchema>;

/**
 * The unit of charge: the key of the identity the source resolved, so that every browser,
 * cookie, device or address resolving to it is one identity. A person by the source's record id,
 * else the email (lower-cased); a company by its record id, else its domain, else its name (both
 * lower-cased, trimmed). B2C organizations are charged for persons only; B2B for the person when
 * the source resolved one (an employee of the company), else for the company. Null: nobody known.
 */
export function identityKey(productType: ProductType, identity: Identity): string | null {
  const { person, company } = identity;
  const personKey = person?.id
    ? `person:id:${person.id}`
    : person?.email
      ? `person:email:${person.email.trim().toLowerCase()}`
      : null;
  if (productType === 'B2C' || personKey) return personKey;
  if (!company) return null;
  if (company.id) return `company:id:${company.id}`;
  if (company.domain) return `company:domain:${company.domain.trim().toLowerCase()}`;
  return `company:name:${company.name.trim().toLowerCase()}`;
}
