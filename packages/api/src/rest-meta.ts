/**
 * How a procedure is served over REST, declared on the procedure itself with `.meta()`: the REST
 * adapter and the OpenAPI document are derived from these and from the procedure's own input and
 * output schemas, so no second table can drift from the procedures.
 */

/** The REST route groups, in the order the reference docs list them. */
export const REST_TAGS = {
  Organizations:
    "The partner's client organizations: create, configure, enable, disable, soft-delete.",
  Credits:
    'Allocations, balances, grants, consumption, the ledger, balance alerts and auto top-ups. Credits are integers.',
  Pixel: 'The tracking pixel of an organization: its public key and allowed referrer origins.',
  Visitors: 'Identified visitors of an organization and the ideal customer profiles they match.',
  Billing: "The partner's billing configuration, credit pool, usage and analytics.",
  Invoices:
    "Invoices the platform operator issues to partners: issued at each period boundary or on request, numbered without gaps, paid or voided. Amounts are decimal strings with the currency's minor digits.",
  'Client billing':
    "What a partner charges its organizations (default prices and per-organization overrides), who each is invoiced as, and the partner's brand on what its clients receive.",
  'Client invoices':
    "Invoices a partner issues to its organizations, in its brand and numbering: period fees in advance, credit purchases at their cost basis, priced top-ups, overage in arrears, with the organization's monetary credits applied. Amounts are decimal strings with the currency's minor digits.",
  Webhooks: 'Endpoints that receive events, their signing secrets and delivery logs.',
  Operator:
    'For the platform operator only (`Authorization: Bearer`): partners, credit types, API keys.',
  Events: 'What Allot POSTs to webhook endpoints, signed per the Standard Webhooks specification.',
} as const;
export type RestTag = keyof typeof REST_TAGS;

/** GET serves a query; the other methods serve mutations. */
export type RestMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * One REST endpoint of a procedure. Its input is assembled from the path parameters (each named
 * as the input field it fills), then the query string on GET and DELETE or the JSON body on POST
 * and PUT.
 */
export interface RestMeta {
  method: RestMethod;
  /** Under /api/v1, Fastify style: `/partner/organizations/:organizationId`. */
  path: string;
  tag: RestTag;
  /** The success status; 200 when left out. A 204 answers no body. */
  status?: 200 | 201 | 204;
  /**
   * A file, streamed from the chunks the procedure yields: `csv` (text, `text/csv`) or `pdf`
   * (bytes, `application/pdf`), with `filename` as its download name.
   */
  format?: 'json' | 'csv' | 'pdf';
  filename?: string;
  summary: string;
  /** What the operation does and refuses, for the reference docs and generated clients. */
  description: string;
  /** The API reference's example bodies, shown in the docs; each must match its schema. */
  examples?: { request?: unknown; response?: unknown };
}

/** Who may call a procedure, as the REST API's security schemes name it. */
export type RestAuth = 'partner' | 'operator';

/** The metadata every procedure may carry (`initTRPC.meta<Meta>()`). */
export interface Meta {
  /** Set by the base procedure that authenticates the caller, so no procedure restates it. */
  auth?: RestAuth;
  /** Present on the procedures the REST API serves. */
  rest?: RestMeta;
}
