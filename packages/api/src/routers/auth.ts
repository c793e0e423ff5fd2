import { loginInput, sessionSchema } from '@allot/domain';
import { forbidden } from '../errors.ts';
import { closeSession, csrfMatches, describeSession } from '../services/sessions.ts';
import { signIn } from '../services/sign-in.ts';
import { publicProcedure, router } from '../trpc.ts';

/** Signing in and out of the admin app. The session token only ever travels in its cookie. */
export const authRouter = router({
  /** The signed-in user, or null: the admin app asks on load to know which screen to show. */
  session: publicProcedure.output(sessionSchema.nullable()).query(({ ctx }) => {
    const token = ctx.credentials.sessionToken;
    return token ? describeSession(ctx.db, token, ctx.clock()) : null;
  }),

  /**
   * Signs in (see `signIn`) and sets the session cookie. The header requirement stops a
   * cross-site form from signing the browser in to another account.
   */
  login: publicProcedure
    .input(loginInput)
    .output(sessionSchema)
    .mutation(async ({ ctx, input }) => {
      if (!ctx.credentials.csrfToken)
        throw forbidden('csrf_token_invalid', 'Signing in needs the x-allot-csrf header');
      const signedIn = await signIn(ctx, input, ctx.credentials.ip);
      ctx.sessionCookie?.set(signedIn.token, signedIn.maxAgeSeconds);
      return signedIn.session;
    }),

  /** Ends the session (if any is left) and clears the cookie. */
  logout: publicProcedure.mutation(async ({ ctx }) => {
    const token = ctx.credentials.sessionToken;
    if (token) {
      if (!csrfMatches(token, ctx.credentials.csrfToken))
        throw forbidden('csrf_token_invalid', 'Missing or wrong x-allot-csrf header');
      await closeSession(ctx.db, token);
    }
    ctx.sessionCookie?.clear();
  }),
});
