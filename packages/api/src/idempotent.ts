import type { Tx } from '@allot/db';
import type { Context } from './context.ts';
import { once, type OnceOptions } from './services/idempotency.ts';

/** What every idempotent mutation's resolver is called with: tRPC's options for it. */
interface MutationCall {
  ctx: Context & { idempotencyScope: string };
  input: unknown;
  path: string;
}

/**
 * Makes a mutation's resolver idempotent: it runs through `once`, keyed by the procedure's path
 * and its parsed input, with the write's transaction as `ctx.db`, so the claim of the key, the
 * work and the stored answer commit together. A replay answers the stored response without
 * calling the resolver. It wraps the resolver rather than sitting in a middleware because a
 * middleware cannot answer without calling the procedure.
 */
export function idempotent<TCall extends MutationCall, TOutput>(
  resolve: (call: TCall & { ctx: TCall['ctx'] & { db: Tx } }) => Promise<TOutput>,
  options?: OnceOptions<TOutput>,
): (call: TCall) => Promise<TOutput> {
  return (call) =>
    // A procedure without input has always been fingerprinted as an empty body.
    once(
      call.ctx,
      call.path,
      call.input ?? {},
      (trx) => resolve({ ...call, ctx: { ...call.ctx, db: trx } }),
      options,
    );
}
