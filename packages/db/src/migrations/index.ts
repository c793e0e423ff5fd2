import type { Migration } from 'kysely';
import * as baseline from './2026-11-21-0001-baseline.ts';

/** Every migration, in order. Listed explicitly so a bundle or a renamed file can never skip one. */
export const migrations: Record<string, Migration> = {
  '2026-11-21-0001-baseline': baseline,
};
