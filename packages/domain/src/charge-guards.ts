import { z } from 'zod';
import { MAX_CREDITS } from './common.ts';

/**
 * What guards an organization's credits against being spent for nothing, beyond one credit per
 * identity and period: a cap on identifications per billing period and per day (the budget
 * control of the billing guides), and a ceiling on new identifications from one network per
 * hour (a drain from a handful of addresses). Past either, visits are recorded unidentified.
 */

/** New identifications charged per hour from one network before the rest go uncharged. */
export const DEFAULT_ANOMALY_THRESHOLD = 50;

/** The network an anomaly is counted on: a /24 of IPv4, a /48 of IPv6. */
export const ANOMALY_PREFIX = { ipv4: 24, ipv6: 48 } as const;

const capSchema = z.int().min(1).max(MAX_CREDITS).nullable();

export const identificationCapInput = z
  .strictObject({
    perPeriod: capSchema
      .optional()
      .describe('The most identifications charged per billing period; null removes the cap'),
    perDay: capSchema
      .optional()
      .describe('The most identifications charged per UTC day; null removes the cap'),
  })
  .describe('Past a cap, visits are recorded unidentified and cost nothing');

export const identificationCapSchema = z
  .object({ perPeriod: z.int().nullable(), perDay: z.int().nullable() })
  .describe(
    'The most identifications charged per billing period and per UTC day (null: no cap). Past one, visits are recorded unidentified and one credit_usage.cap_reached event is written for the period or day',
  );

export const anomalyThresholdSchema = z
  .int()
  .min(1)
  .max(1_000_000)
  .nullable()
  .describe(
    `The most new identifications charged per hour from one network (/${ANOMALY_PREFIX.ipv4} IPv4, /${ANOMALY_PREFIX.ipv6} IPv6); the rest are recorded unidentified and one pixel.anomaly event is written per hour. null turns the guard off (default ${DEFAULT_ANOMALY_THRESHOLD})`,
  );

/** Which guard refused a charge. */
export const CAP_SCOPES = ['period', 'day'] as const;
export type CapScope = (typeof CAP_SCOPES)[number];
