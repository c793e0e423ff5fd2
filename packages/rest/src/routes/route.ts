import type { Caller } from '@allot/api';
import type { z } from 'zod';

/** The route groups, in the order the reference docs list them. */
export const TAGS = {
  Organizations:
    "The partner's client organizations: create, configure, enable, disable, soft-delete.",
  Credits:
    'Allocations, balances, grants, consumption, the ledger, balance alerts and auto top-ups. Credits are integers.',
  Pixel: 'The tracking pixel of an organization: its public key and allowed referrer origins.',
  Visitors: 'Identified visitors of an organization and the ideal customer profiles they match.',
  Billing: "The partner's billing configuration, credit pool, usage and analytics.",
  Webhooks: 'Endpoints that receive events, their signing secrets and delivery logs.',
  Operator:
    'For the platform operator only (`Authorization: Bearer`): partners, credit types, API keys.',
  Events: 'What Allot POSTs to webhook endpoints, signed per the Standard Webhooks specification.',
} as const;
export type Tag = keyof typeof TAGS;

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * One REST endpoint: where it lives, the procedure input it assembles (path parameters, then the
 * query on GET/DELETE or the JSON body on POST/PUT), the procedure it calls, and what it answers.
 */
export interface RestRoute {
  method: Method;
  /** Under /api/v1, Fastify style: `/partner/organizations/:organizationId`. */
  path: string;
  auth: 'partner' | 'operator';
  operationId: string;
  summary: string;
  /** What the operation does and refuses, for the reference docs and generated clients. */
  description: string;
  tag: Tag;
  /** The API reference's example bodies, shown in the docs; each must match its schema. */
  examples?: { request?: unknown; response?: unknown };
  input?: z.ZodObject;
  /** The success body; absent for 204 and CSV. */
  output?: z.ZodType;
  /** `csv`: the call yields CSV text in chunks, streamed as `text/csv`. */
  format?: 'json' | 'csv';
  status: 200 | 201 | 204;
  call: (caller: Caller, input: never) => Promise<unknown>;
}

/** Keeps each entry's `call` typed against its own input schema. */
export function route<I extends z.ZodObject | undefined>(
  definition: Omit<RestRoute, 'input' | 'call' | 'status'> & {
    input?: I;
    status?: RestRoute['status'];
    call: (
      caller: Caller,
      input: I extends z.ZodObject ? z.input<I> : undefined,
    ) => Promise<unknown>;
  },
): RestRoute {
  return { status: 200, ...definition };
}
