/**
 * Every code a business rule can refuse with. REST bodies (`error.code`), tRPC error data
 * (`appCode`) and webhook payloads (`reason`) carry them, so a partner's code can switch on them:
 * a code is never renamed, only added.
 */
export const RULE_CODES = [
  'organization_canceled',
  'organization_inactive',
  'trial_cap_exceeded',
  'below_consumed',
  'insufficient_pool_credits',
  'pool_below_allocated',
  'insufficient_credits',
  'amendment_exceeds_consumption',
  'max_per_period_reached',
  'expiry_in_past',
  'expiry_before_effective',
  'invalid_date_range',
  'grant_voided',
  'grant_expired',
  'not_a_grant',
  'unknown_credit_type',
  'cannot_disable_self',
  'icp_name_taken',
  'icp_profile_limit',
  'webhook_url_invalid',
  'webhook_url_insecure',
  'webhook_url_unresolvable',
  'webhook_url_private_address',
  'webhook_endpoint_limit',
  'webhook_endpoint_disabled',
  'nothing_to_invoice',
  'invoice_void',
  'invoice_paid',
  'invoice_partly_paid',
  'overpayment',
  'not_monetary',
  'not_for_sale',
  'not_priced',
  // The reference model answers a missing row as a rule result, as the API answers it as a 404.
  'not_found',
] as const;
export type RuleCode = (typeof RULE_CODES)[number];

/** The codes of refusals that are about the request, not a business rule. */
export const REQUEST_CODES = [
  'not_found',
  'unauthorized',
  'csrf_token_invalid',
  'user_only',
  'admin_only',
  'rate_limited',
  'invalid_idempotency_key',
  'idempotency_key_reused',
  'secret_not_replayable',
  'email_taken',
  'external_id_taken',
  'credit_type_exists',
  'currency_taken',
  'invalid_amount',
  'database_unavailable',
] as const;
export type RequestCode = (typeof REQUEST_CODES)[number];

/** Every machine code an `AppError` carries. */
export type ErrorCode = RuleCode | RequestCode;

/** What kind of refusal an error is; its kind alone fixes the HTTP status on every transport. */
export const ERROR_STATUS = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  refused: 422,
  rate_limited: 429,
  unavailable: 503,
} as const;
export type ErrorKind = keyof typeof ERROR_STATUS;

/**
 * An expected refusal, thrown by services and mapped to a response by each transport: `kind`
 * fixes the status, `code` is the machine code clients see, `details` what it adds (a rate
 * limit's figures, the first response of a non-replayable request).
 */
export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    // Written by hand rather than through `super(message, options)`: the pixel's type check
    // reads this file against a browser library older than ES2022's error causes.
    options?: { cause?: unknown },
  ) {
    super(message);
    this.name = 'AppError';
    if (options && 'cause' in options) (this as { cause?: unknown }).cause = options.cause;
  }

  get status(): (typeof ERROR_STATUS)[ErrorKind] {
    return ERROR_STATUS[this.kind];
  }
}
