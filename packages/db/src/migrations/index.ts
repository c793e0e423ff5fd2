import type { Migration } from 'kysely';
import * as foundation from './2026-11-21-0001-foundation.ts';
import * as ledger from './2026-11-21-0002-ledger.ts';
import * as ledgerHotPath from './2026-11-21-0003-ledger-hot-path.ts';
import * as ledgerLiveBlocks from './2026-11-21-0004-ledger-live-blocks.ts';
import * as visitors from './2026-11-21-0005-visitors.ts';
import * as events from './2026-11-21-0006-events.ts';
import * as webhooks from './2026-11-21-0007-webhooks.ts';
import * as users from './2026-11-21-0008-users.ts';

/** Every migration, in order. Listed explicitly so a bundle or a renamed file can never skip one. */
export const migrations: Record<string, Migration> = {
  '2026-11-21-0001-foundation': foundation,
  '2026-11-21-0002-ledger': ledger,
  '2026-11-21-0003-ledger-hot-path': ledgerHotPath,
  '2026-11-21-0004-ledger-live-blocks': ledgerLiveBlocks,
  '2026-11-21-0005-visitors': visitors,
  '2026-11-21-0006-events': events,
  '2026-11-21-0007-webhooks': webhooks,
  '2026-11-21-0008-users': users,
};
