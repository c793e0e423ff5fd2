import type { Db, Tx } from '@allot/db';
import { eventDataSchemas, type EventType } from '@allot/domain';
import type { z } from 'zod';
import { newId } from '../ids.ts';

export type EventData<T extends EventType> = z.input<(typeof eventDataSchemas)[T]>;

export interface NewEvent<T extends EventType = EventType> {
  partnerId: string;
  organizationId: string | null;
  type: T;
  data: EventData<T>;
  /** For an event that must exist once (a usage batch): a second emit with it does nothing. */
  dedupeKey?: string;
}

/**
 * Writes events to the outbox in the caller's transaction: they commit with the change they
 * describe, or not at all. Each payload is checked against its versioned schema first, so a
 * partner never receives an event its documentation does not describe.
 */
export async function emitEvents(db: Db | Tx, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('events')
    .values(
      events.map((event) => ({
        id: newId(),
        partner_id: event.partnerId,
        organization_id: event.organizationId,
        type: event.type,
        data: JSON.stringify(eventDataSchemas[event.type].parse(event.data)),
        dedupe_key: event.dedupeKey ?? null,
      })),
    )
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .execute();
}

export function emitEvent<T extends EventType>(db: Db | Tx, event: NewEvent<T>): Promise<void> {
  return emitEvents(db, [event]);
}
