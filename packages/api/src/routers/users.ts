import {
  createdUserSchema,
  createUserInput,
  userEnvelope,
  userIdInput,
  userListSchema,
} from '@allot/domain';
import { once } from '../services/idempotency.ts';
import { disableUser, inviteUser, listUsers } from '../services/users.ts';
import { adminProcedure, router, userProcedure } from '../trpc.ts';

/** The partner's people (the Team page). */
export const usersRouter = router({
  list: userProcedure.output(userListSchema).query(({ ctx }) => listUsers(ctx.db, ctx.partnerId)),

  /** The generated password is in this response only. */
  create: adminProcedure
    .input(createUserInput)
    .output(createdUserSchema)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) => inviteUser(trx, ctx.partnerId, input, ctx.clock()), {
        secretField: 'password',
      }),
    ),

  disable: adminProcedure
    .input(userIdInput)
    .output(userEnvelope)
    .mutation(({ ctx, input, path }) =>
      once(ctx, path, input, (trx) =>
        disableUser(trx, ctx.partnerId, input.userId, ctx.actor.userId, ctx.clock()),
      ),
    ),
});
