import { z } from 'zod';
import { text, withTextRule } from './text.ts';

/** The ingest endpoint refuses bodies past this many bytes (413). */
export const INGEST_BODY_LIMIT = 4096;

/** The pixel's event names: a page view, engaged time when the page is hidden, an email handed over by the site. */
export const INGEST_EVENTS = ['pageview', 'engage', 'identify'] as const;
export type IngestEventName = (typeof INGEST_EVENTS)[number];

/**
 * One event from the pixel, sent as `text/plain` JSON so no CORS preflight is needed. Keys are
 * one letter because every byte of the script counts; this schema is where they are named.
 */
export const ingestEventSchema = z.strictObject({
  k: text().min(1).max(100).describe("The organization's pixel key"),
  v: text()
    .regex(/^[A-Za-z0-9_-]{8,64}$/)
    .describe('The first-party visitor id the pixel keeps in localStorage or a cookie'),
  e: z.enum(INGEST_EVENTS).describe('What happened'),
  u: withTextRule(z.url({ protocol: /^https?$/ }))
    .max(2048)
    .describe('The page URL'),
  r: text().max(2048).optional().describe('document.referrer, when there is one'),
  s: z
    .int()
    .min(0)
    .max(86_400)
    .optional()
    .describe('engage: seconds the page was visible since the last engage event'),
  m: withTextRule(z.email())
    .max(320)
    .optional()
    .describe('identify: the visitor email the site already knows'),
  b: z
    .literal(1)
    .optional()
    .describe('Set by the pixel when the browser says it is automated (navigator.webdriver)'),
});

export type IngestEvent = z.infer<typeof ingestEventSchema>;
