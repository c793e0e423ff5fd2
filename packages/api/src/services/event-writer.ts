import type { Db } from '@allot/db';
import { defined } from '@allot/domain';
import { visitorOf, writeEvents, type PendingEvent } from './ingest-batch.ts';

/**
 * Group commit of pixel events: what arrives while a batch is being written waits and goes into
 * the next one, written in one transaction (ingest-batch.ts). A request is answered only once
 * its batch has committed. Idle, an event is written at once, alone; busy, a batch holds up to
 * `maxBatch` events, so one commit pays for many.
 *
 * Events are written in lanes, a partner's always in the same one: its organizations share rows
 * (the partner's, which each charge's foreign keys share-lock), so one partner's batches are
 * written one after the other in a process rather than queueing on each other's locks, and
 * different partners' side by side.
 */
export interface EventWriter {
  /** Writes the event with others; resolves, once committed, whether it identified its visitor. */
  write(pending: PendingEvent): Promise<boolean>;
}

export interface EventWriterOptions {
  /** Batches written at once (each holds a connection while it writes). */
  lanes?: number;
  /** Events in one batch, at most: bounds its statements and how long it holds its locks. */
  maxBatch?: number;
  /** Told each batch's size as it commits (or fails), for metrics and tests. */
  onBatch?: (size: number, committed: boolean) => void;
}

interface Waiting {
  pending: PendingEvent;
  resolve: (identified: boolean) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  queue: Waiting[];
  busy: boolean;
}

export function createEventWriter(db: Db, options: EventWriterOptions = {}): EventWriter {
  const { lanes: laneCount = 4, maxBatch = 64, onBatch } = options;
  const lanes: Lane[] = Array.from({ length: laneCount }, () => ({ queue: [], busy: false }));

  /** The next batch: the oldest events, one per visitor; a visitor's later ones wait their turn. */
  function take(lane: Lane): Waiting[] {
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    const visitors = new Set<string>();
    for (const waiting of lane.queue) {
      const visitor = visitorOf(waiting.pending);
      if (batch.length < maxBatch && !visitors.has(visitor)) {
        visitors.add(visitor);
        batch.push(waiting);
      } else rest.push(waiting);
    }
    lane.queue = rest;
    return batch;
  }

  async function drain(lane: Lane) {
    lane.busy = true;
    try {
      while (lane.queue.length > 0) await write(take(lane));
    } finally {
      lane.busy = false;
    }
  }

  return {
    write(pending) {
      const lane = defined(lanes[laneOf(pending.org.partner_id, laneCount)], 'its lane');
      return new Promise<boolean>((resolve, reject) => {
        lane.queue.push({ pending, resolve, reject });
        // Events of the same tick go out together.
        if (!lane.busy) {
          lane.busy = true;
          queueMicrotask(() => void drain(lane));
        }
      });
    },
  };

  /**
   * Writes a batch and answers its events. A batch that fails (a deadlock with another process,
   * a lost connection, one bad row) is written again one event at a time, so each event is
   * answered for itself: written, or failed (a 503 its sender may retry).
   */
  async function write(batch: Waiting[]) {
    try {
      const identified = await db.transaction().execute((trx) =>
        writeEvents(
          trx,
          batch.map((waiting) => waiting.pending),
        ),
      );
      onBatch?.(batch.length, true);
      batch.forEach((waiting, i) => waiting.resolve(identified[i] ?? false));
    } catch (error) {
      onBatch?.(batch.length, false);
      const [only] = batch;
      if (batch.length === 1 && only) return only.reject(error);
      for (const waiting of batch)
        await db
          .transaction()
          .execute((trx) => writeEvents(trx, [waiting.pending]))
          .then(([identified]) => waiting.resolve(identified ?? false), waiting.reject);
    }
  }
}

/** A stable lane per partner (its id's last hex digits). */
const laneOf = (partnerId: string, lanes: number) =>
  Number.parseInt(partnerId.slice(-4), 16) % lanes;
