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
 * What an organization is given of what the source resolved: for B2C the person; for B2B the
 * company, with the employee when the source resolved one (seed 001). Null: nobody it can use.
 */
export function identityFor(productType: ProductType, resolved: Identity | null): Identity | null {
  if (productType === 'B2C') return resolved?.person ? { person: resolved.person } : null;
  if (!resolved?.company) return null;
  return { company: resolved.company, ...(resolved.person && { person: resolved.person }) };
}

/**
 * The unit of charge: the key of an identity (as `identityFor` gives it), so that every
 * browser, cookie, device or address resolving to it is one identity. The person when there is
 * one (its record id, else the lower-cased email), else the company (its record id, else its
 * domain, else its name, lower-cased and trimmed). Null: nothing to key by.
 */
export function identityKey({ person, company }: Identity): string | null {
  if (person?.id) return `person:id:${person.id}`;
  if (person?.email) return `person:email:${person.email.trim().toLowerCase()}`;
  if (!company) return null;
  if (company.id) return `company:id:${company.id}`;
  if (company.domain) return `company:domain:${company.domain.trim().toLowerCase()}`;
  return `company:name:${company.name.trim().toLowerCase()}`;
}

/**
 * The reference of an identification's ledger entries: the identity charged and the visitor
 * (browser) whose event charged it, so a partner can audit every credit from the ledger alone.
 */
export const identificationReference = (identityId: string, visitorId: string) =>
  `identity:${identityId} visitor:${visitorId}`;
