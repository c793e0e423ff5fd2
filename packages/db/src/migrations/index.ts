import type { Migration } from 'kysely';
import * as baseline from './2026-11-21-0001-baseline.ts';
import * as identities from './2026-12-02-0002-identities.ts';
import * as chargePeriod from './2026-12-02-0003-charge-period.ts';
import * as emailSource from './2026-12-02-0004-email-source.ts';
import * as chargeGuards from './2026-12-02-0005-charge-guards.ts';
import * as money from './2026-12-02-0006-money.ts';
import * as invoices from './2026-12-02-0007-invoices.ts';
import * as invoiceOverdue from './2026-12-02-0008-invoice-overdue.ts';
import * as wallets from './2026-12-02-0009-wallets.ts';
import * as clientInvoices from './2026-12-03-0010-client-invoices.ts';
import * as cacheInvalidation from './2026-12-03-0020-cache-invalidation.ts';
import * as consumeOneBlock from './2026-12-03-0021-consume-one-block.ts';
import * as consumeUnits from './2026-12-04-0022-consume-units.ts';
import * as consumeUnitsTogether from './2026-12-06-0023-consume-units-together.ts';
import * as lockOrganizations from './2026-12-06-0024-lock-organizations.ts';
import * as consumeUnitsByIndex from './2026-12-06-0025-consume-units-by-index.ts';

/** Every migration, in order. Listed explicitly so a bundle or a renamed file can never skip one. */
export const migrations: Record<string, Migration> = {
  '2026-11-21-0001-baseline': baseline,
  '2026-12-02-0002-identities': identities,
  '2026-12-02-0003-charge-period': chargePeriod,
  '2026-12-02-0004-email-source': emailSource,
  '2026-12-02-0005-charge-guards': chargeGuards,
  '2026-12-02-0006-money': money,
  '2026-12-02-0007-invoices': invoices,
  '2026-12-02-0008-invoice-overdue': invoiceOverdue,
  '2026-12-02-0009-wallets': wallets,
  '2026-12-03-0010-client-invoices': clientInvoices,
  '2026-12-03-0020-cache-invalidation': cacheInvalidation,
  '2026-12-03-0021-consume-one-block': consumeOneBlock,
  '2026-12-04-0022-consume-units': consumeUnits,
  '2026-12-06-0023-consume-units-together': consumeUnitsTogether,
  '2026-12-06-0024-lock-organizations': lockOrganizations,
  '2026-12-06-0025-consume-units-by-index': consumeUnitsByIndex,
};
