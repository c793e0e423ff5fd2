import { z } from 'zod';
import { idSchema, isoDateTimeSchema, pageSchema, pageSizeSchema } from './common.ts';

export const listVisitorsInput = z.strictObject({
  organizationId: idSchema,
  page: pageSchema.default(1).describe('Page number, from 1'),
  limit: pageSizeSchema.default(20).describe('Visitors per page, 1-100'),
});

export const visitorStatisticSchema = z.object({
  visitorId: idSchema,
  email: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  companyName: z.string().nullable(),
  lastSeenAt: isoDateTimeSchema,
});

export const visitorListSchema = z.object({
  visitorsCount: z.int(),
  currentPage: z.int(),
  totalPageCount: z.int(),
  visitorStatistics: z.array(visitorStatisticSchema),
});
