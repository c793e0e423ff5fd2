import { loginInput, sessionSchema } from '@allot/domain';
import { forbidden, tooManyRequests, unauthorized } from '../errors.ts';
import { closeSession, csrfMatches, describeSession, openSession } from '../services/sessions.ts';
import { publicProcedure, router } from '../trpc.ts';

/** Signing in and out of the admin app. The session token only ever travels in its cookie. */
export const authRouter = router({
  /** The signed-in user, or null: the admin app asks on load to know which screen to show. */
  session: publicProcedure.output(sessionSchema.nullable()).query(({ ctx }) => {
    const token = ctx.credentials.sessionToken;
    return token ? describeSession(ctx.db, token, ctx.clock()) : null;
  }),

  /**
   * One answer for an unknown email, a wrong password and a disabled user. Failures are
   * throttled per email and per address. The header requirement stops a cross-site form from
   * signing the browser in to another account.
   */
  login: publicProcedure
    .input(loginInput)
    .output(sessionSchema)
    .mutation(async ({ ctx, input }) => {
      if (!ctx.credentials.csrfToken)
        throw forbidden('csrf_token_invalid', 'Signing in needs the x-allot-csrf header');
      const now = ctx.clock();
      const { ip } = ctx.credentials;
      const wait = ctx.loginThrottle.reserve(input.email, ip, now.getTime());
      if (wait > 0) {
        const minutes = Math.ceil(wait / 60);
        throw tooManyRequests(
          `Too many sign-in attempts; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
          wait,
        );
      }
      const opened = await openSession(ctx.db, input, now);
      // The reserved attempt stays counted as a failure unless the password was right.
      if (!opened) throw unauthorized('Wrong email or password');
      ctx.loginThrottle.succeeded(input.email, ip, now.getTime());
      const lifetime = Math.floor((opened.expiresAt.getTime() - now.getTime()) / 1000);
      ctx.sessionCookie?.set(opened.token, lifetime);
      const session = await describeSession(ctx.db, opened.token, now);
      if (!session) throw unauthorized('Wrong email or password');
      return session;
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
