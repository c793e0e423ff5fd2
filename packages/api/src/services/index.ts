// The operations the server, the worker, the CLI and the benches call. Lock-requiring internals
// (the ledger kernel's handles and primitives under ./ledger) are not exported: every credit
// write goes through an operation that takes its locks in the one order.
export * from './amendments.ts';
export * from './api-keys.ts';
export * from './auto-top-ups.ts';
export * from './balance-alerts.ts';
export * from './balances.ts';
export * from './billing.ts';
export * from './billing-profiles.ts';
export * from './branding.ts';
export * from './client-pricing.ts';
export * from './credit-types.ts';
export { createGrant, listGrants, setGrantExpiry, voidGrant } from './grants.ts';
export * from './events.ts';
export * from './icp.ts';
export * from './ingest.ts';
export * from './event-writer.ts';
export type { PendingEvent } from './ingest-batch.ts';
export type { PixelOrganization } from './pixel-organizations.ts';
export * from './ledger-entries.ts';
export * from './organizations.ts';
export * from './partners.ts';
export { refreshPeriods } from './ledger/renewal.ts';
export * from './pixel.ts';
export * from './pricing.ts';
export * from './top-up-settlement.ts';
export * from './upkeep.ts';
export * from './usage-events.ts';
export * from './users.ts';
export { generatePassword } from './passwords.ts';
export { forgetEndedSessions } from './sessions.ts';
export * from './visitors.ts';
export { consumeCredits, type ConsumeInput } from './ledger/consume.ts';
export { forgetIdempotencyKeys } from './idempotency.ts';
export { forgetChargeWindows } from './charge-guards.ts';
export * from './invoices/index.ts';
