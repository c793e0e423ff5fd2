import { z } from 'zod';
import { text, withTextRule } from './text.ts';

/** What an identity source knows about the company behind an IP address (B2B). */
export const companyIdentitySchema = z.object({
  name: text().min(1).max(300),
  domain: text().max(300).nullish(),
  industry: text().max(200).nullish(),
  employeeCount: z.int().min(0).nullish(),
  revenue: z.int().min(0).nullish(),
  country: text().max(100).nullish(),
});

/** What an identity source knows about the person behind an IP address (B2C). */
export const personIdentitySchema = z.object({
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
