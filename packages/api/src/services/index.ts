export * from './api-keys.ts';
export * from './billing.ts';
export * from './credits.ts';
export * from './organizations.ts';
export * from './partners.ts';
export * from './periods.ts';
export * from './pixel.ts';
export * from './visitors.ts';
export { consumeCredits, type ConsumeInput } from './ledger/consume.ts';
