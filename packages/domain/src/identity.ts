import { z } from 'zod';

/** What an identity source knows about the company behind an IP address (B2B). */
export const companyIdentitySchema = z.object({
  name: z.string().min(1).max(300),
  domain: z.string().max(300).nullish(),
  industry: z.string().max(200).nullish(),
  employeeCount: z.int().min(0).nullish(),
  revenue: z.int().min(0).nullish(),
  country: z.string().max(100).nullish(),
});

/** What an identity source knows about the person behind an IP address (B2C). */
export const personIdentitySchema = z.object({
  email: z.email().max(320).nullish(),
  firstName: z.string().max(200).nullish(),
  lastName: z.string().max(200).nullish(),
  title: z.string().max(300).nullish(),
  linkedinUrl: z.string().max(500).nullish(),
});

export const identitySchema = z.object({
  company: companyIdentitySchema.nullish(),
  person: personIdentitySchema.nullish(),
});

/** One line of an identity dataset (JSON Lines): a CIDR range and who is behind it. */
export const identityRecordSchema = identitySchema.extend({ cidr: z.string().min(1).max(64) });

export type CompanyIdentity = z.infer<typeof companyIdentitySchema>;
export type PersonIdentity = z.infer<typeof personIdentitySchema>;
export type Identity = z.infer<typeof identitySchema>;
export type IdentityRecord = z.infer<typeof identityRecordSchema>;
