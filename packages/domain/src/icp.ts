import { z } from 'zod';
import { text } from './text.ts';
import { idSchema, isoDateTimeSchema } from './common.ts';
import type { CompanyIdentity } from './identity.ts';

const rangeSchema = z
  .strictObject({ min: z.int().min(0).optional(), max: z.int().min(0).optional() })
  .refine((range) => range.min === undefined || range.max === undefined || range.min <= range.max, {
    message: 'min must not exceed max',
  });

const termsSchema = z.array(text().trim().min(1).max(200)).min(1).max(100);

/** An ideal customer profile: every rule that is present must hold. */
export const icpRulesSchema = z.strictObject({
  industries: termsSchema.optional().describe('Any of these industries (case-insensitive)'),
  countries: termsSchema.optional().describe('Any of these countries (case-insensitive)'),
  employeeCount: rangeSchema.optional().describe('Employee count within [min, max]'),
  revenue: rangeSchema.optional().describe('Annual revenue within [min, max]'),
  domains: termsSchema
    .optional()
    .describe('Any of these company domains, or their subdomains (case-insensitive)'),
});

export type IcpRules = z.infer<typeof icpRulesSchema>;

const icpNameSchema = text().trim().min(1).max(200);

export const icpProfileSchema = z.object({
  id: idSchema,
  organizationId: idSchema,
  name: text(),
  rules: icpRulesSchema,
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
});

export const icpProfileEnvelope = z.object({ profile: icpProfileSchema });

export const icpProfileListSchema = z.object({ profiles: z.array(icpProfileSchema) });

export const createIcpProfileInput = z.strictObject({
  organizationId: idSchema,
  name: icpNameSchema.describe('Shown on matching visitors'),
  rules: icpRulesSchema,
});

export const updateIcpProfileInput = createIcpProfileInput.extend({ icpId: idSchema });

export const icpProfileIdInput = z.strictObject({ organizationId: idSchema, icpId: idSchema });

/** At most this many profiles per organization: each one is tested on every identification. */
export const MAX_ICP_PROFILES = 50;

const fold = (value: string) => value.trim().toLowerCase();
const lower = (value: string | null | undefined) =>
  value === null || value === undefined ? null : fold(value);

function inRange(value: number | null | undefined, range: { min?: number; max?: number }) {
  if (value === null || value === undefined) return false;
  return (range.min ?? 0) <= value && value <= (range.max ?? Number.POSITIVE_INFINITY);
}

function oneOf(value: string | null | undefined, terms: readonly string[]) {
  const wanted = lower(value);
  return wanted !== null && terms.some((term) => lower(term) === wanted);
}

function domainIn(domain: string | null | undefined, domains: readonly string[]) {
  const host = lower(domain)?.replace(/\.$/, '');
  if (!host) return false;
  return domains.some((entry) => {
    const allowed = fold(entry).replace(/\.$/, '');
    return host === allowed || host.endsWith(`.${allowed}`);
  });
}

/**
 * Whether a company matches a profile: every present rule must hold, and a rule over a field
 * the company lacks does not hold. A profile with no rules matches every identified company.
 */
export function icpMatches(rules: IcpRules, company: CompanyIdentity | null): boolean {
  if (!company) return false;
  if (rules.industries && !oneOf(company.industry, rules.industries)) return false;
  if (rules.countries && !oneOf(company.country, rules.countries)) return false;
  if (rules.employeeCount && !inRange(company.employeeCount, rules.employeeCount)) return false;
  if (rules.revenue && !inRange(company.revenue, rules.revenue)) return false;
  if (rules.domains && !domainIn(company.domain, rules.domains)) return false;
  return true;
}

/** The ids of the profiles a company matches, in the profiles' order. */
export function matchingProfiles(
  profiles: readonly { id: string; rules: IcpRules }[],
  company: CompanyIdentity | null,
): string[] {
  return profiles.filter((profile) => icpMatches(profile.rules, company)).map((p) => p.id);
}
