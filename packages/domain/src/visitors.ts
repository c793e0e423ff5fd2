import { z } from 'zod';
import { text } from './text.ts';
import { idSchema, isoDateTimeSchema, pageSchema, pageSizeSchema } from './common.ts';

/** Query-string booleans: `true`/`false` from REST, real booleans from tRPC. */
const booleanFilter = z
  .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')])
  .optional();

export const listVisitorsInput = z.strictObject({
  organizationId: idSchema,
  page: pageSchema.default(1).describe('Page number, from 1'),
  limit: pageSizeSchema.default(20).describe('Visitors per page, 1-100'),
  identified: booleanFilter.describe('Only visitors identified (true) or not (false)'),
  icpMatched: booleanFilter.describe(
    'Only visitors matching an ICP profile (true) or none (false)',
  ),
});

export type ListVisitorsInput = z.infer<typeof listVisitorsInput>;

/** A session ends after this long without an event from the visitor. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;

/** How many of a visitor's most viewed pages a listing shows. */
export const TOP_PAGES = 5;

export const EMAIL_SOURCES = ['identity', 'page'] as const;
export type EmailSource = (typeof EMAIL_SOURCES)[number];

export const visitorStatisticSchema = z.object({
  visitorId: idSchema,
  email: text().nullable(),
  emailSource: z
    .enum(EMAIL_SOURCES)
    .nullable()
    .describe(
      '`identity`: the identity source resolved the person; `page`: the page handed the email over (`identify`) and no source knew it, so it is self-declared and was not charged for',
    ),
  firstName: text().nullable(),
  lastName: text().nullable(),
  companyName: text().nullable(),
  companyDomain: text().nullable(),
  industry: text().nullable(),
  employeeCount: z.int().nullable(),
  country: text().nullable(),
  identified: z
    .boolean()
    .describe('Whether the visitor has been identified: a company (B2B) or a person (B2C)'),
  identityId: idSchema
    .nullable()
    .describe(
      'The identity the visitor resolved to. Every browser, cookie or device of one company or person shares it, and the identity costs one credit per billing period however many visitors it has',
    ),
  icpMatch: z.object({
    matched: z.boolean(),
    profiles: z.array(text()).describe('Names of the ICP profiles the visitor matches'),
  }),
  pageViews: z.int(),
  sessions: z.int().describe('Visits separated by 30 minutes without activity'),
  engagedSeconds: z.int().describe('Seconds the pages were visible'),
  firstSeenAt: isoDateTimeSchema,
  lastSeenAt: isoDateTimeSchema,
  topPages: z.array(z.object({ path: text(), views: z.int() })),
});

export const visitorListSchema = z.object({
  visitorsCount: z
    .int()
    .describe(
      'Visitors (browsers) matching the filters; several may share one identity (`identityId`)',
    ),
  currentPage: z.int(),
  totalPageCount: z.int(),
  visitorStatistics: z.array(visitorStatisticSchema),
});
