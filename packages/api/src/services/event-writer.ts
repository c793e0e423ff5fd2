import type { Db } from '@allot/db';
import { defined } from '@allot/domain';
import { visitorOf, writeEvents, type PendingEvent } from './ingest-batch.ts';

/**
 * Group commit of pixel events: what arrives while a batch is being written waits and goes into
 * the next one, written in one transaction (ingest-batch.ts). A request is answered only once
 * its batch has committed. Idle, an event is written at once, alone; busy, a batch holds up to
 * `maxBatch` events, so one commit pays for many.
 *
 * Under steady load the answers of a batch bring its senders' next events back together, a few
 * milliseconds apart: written at once, the first would go alone and the others wait a whole
 * transaction for it. So after a batch of more than one, the next waits up to `lingerMs` for as
 * many events as that batch held, then goes with what it has.
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
  /** How long an event after a busy batch waits for its companions, at most (milliseconds). */
  lingerMs?: number;
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
  /** A batch is being written, or waits to be. */
  busy: boolean;
  /** The size of the last batch written, and when it ended (performance.now()). */
  lastSize: number;
  lastEnd: number;
  /** Set while the next batch waits for its companions: called once the queue holds them. */
  filled: (() => void) | null;
}

export function createEventWriter(db: Db, options: EventWriterOptions = {}): EventWriter {
  const { lanes: laneCount = 4, maxBatch = 64, lingerMs = 5, onBatch } = options;
  const lanes: Lane[] = Array.from({ length: laneCount }, () => ({
    queue: [],
    busy: false,
    lastSize: 0,
    lastEnd: -Infinity,
    filled: null,
  }));

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
    try {
      while (lane.queue.length > 0) {
        if (lane.queue.length < expected(lane)) await companions(lane);
        const batch = take(lane);
        await write(batch);
        lane.lastSize = batch.length;
        lane.lastEnd = performance.now();
      }
    } finally {
      lane.busy = false;
    }
  }

  /**
   * The events the next batch waits for: as many as the last one held when it committed just
   * now (its senders are sending again); none after a batch of one or a quiet spell.
   */
  const expected = (lane: Lane) =>
    performance.now() - lane.lastEnd < BUSY_LINGERS * lingerMs
      ? Math.min(lane.lastSize, maxBatch)
      : 0;

  /** Resolves once the queue holds the expected events, or after `lingerMs` with what it has. */
  function companions(lane: Lane) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, lingerMs);
      function done() {
        clearTimeout(timer);
        lane.filled = null;
        resolve();
      }
      lane.filled = done;
    });
  }

  return {
    write(pending) {
      const lane = defined(lanes[laneOf(pending.org.partner_id, laneCount)], 'its lane');
      return new Promise<boolean>((resolve, reject) => {
        lane.queue.push({ pending, resolve, reject });
        if (lane.filled !== null && lane.queue.length >= expected(lane)) lane.filled();
        if (lane.busy) return;
        lane.busy = true;
        // Events of the same tick go out together.
        queueMicrotask(() => void drain(lane));
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

/**
 * A lane whose last batch ended less than this many lingers ago is under load: its senders,
 * answered, are sending again. Later, an event is a new visit of a quiet site, written at once.
 */
const BUSY_LINGERS = 5;

/** A stable lane per partner (its id's last hex digits). */
const laneOf = (partnerId: string, lanes: number) =>
  Number.parseInt(partnerId.slice(-4), 16) % lanes;
