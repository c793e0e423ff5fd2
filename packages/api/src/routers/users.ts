import {
  createdUserSchema,
  createUserInput,
  userEnvelope,
  userIdInput,
  userListSchema,
} from '@allot/domain';
import { disableUser, inviteUser, listUsers } from '../services/users.ts';
import { idempotent } from '../idempotent.ts';
import { adminProcedure, router, userProcedure } from '../trpc.ts';

/** The partner's people (the Team page). */
export const usersRouter = router({
  list: userProcedure.output(userListSchema).query(({ ctx }) => listUsers(ctx.db, ctx.partnerId)),

  /** The generated password is in this response only. */
  create: adminProcedure
    .input(createUserInput)
    .output(createdUserSchema)
    .mutation(
      idempotent(({ ctx, input }) => inviteUser(ctx.db, ctx.partnerId, input, ctx.clock()), {
        secretField: 'password',
      }),
    ),

  disable: adminProcedure
    .input(userIdInput)
    .output(userEnvelope)
    .mutation(
      idempotent(({ ctx, input }) =>
        disableUser(ctx.db, ctx.partnerId, input.userId, ctx.actor.userId, ctx.clock()),
      ),
    ),
});
