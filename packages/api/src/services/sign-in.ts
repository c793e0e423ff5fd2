import type { LoginInput, Session } from '@allot/domain';
import type { Context } from '../context.ts';
import { tooManyRequests, unauthorized } from '../errors.ts';
import { describeSession, openSession } from './sessions.ts';

/** A session just opened: what the admin app sees, and the token its cookie carries. */
export interface SignedIn {
  session: Session;
  token: string;
  /** The cookie's lifetime: the session's absolute one (the server ends it earlier when idle). */
  maxAgeSeconds: number;
}

/**
 * Signs a user in with an email and password. One answer for an unknown email, a wrong password
 * and a disabled user. Every attempt is reserved against the throttle (per email and per client
 * address) before the password is checked, so parallel guesses count too; only a right password
 * gives the attempt back.
 */
export async function signIn(
  ctx: Pick<Context, 'db' | 'clock' | 'loginThrottle'>,
  input: LoginInput,
  ip: string | undefined,
): Promise<SignedIn> {
  const now = ctx.clock();
  const wait = ctx.loginThrottle.reserve(input.email, ip, now.getTime());
  if (wait > 0) {
    const minutes = Math.ceil(wait / 60);
    throw tooManyRequests(
      `Too many sign-in attempts; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
      wait,
    );
  }
  const opened = await openSession(ctx.db, input, now);
  if (!opened) throw unauthorized('Wrong email or password');
  ctx.loginThrottle.succeeded(input.email, ip, now.getTime());
  const session = await describeSession(ctx.db, opened.token, now);
  if (!session) throw unauthorized('Wrong email or password');
  const maxAgeSeconds = Math.floor((opened.expiresAt.getTime() - now.getTime()) / 1000);
  return { session, token: opened.token, maxAgeSeconds };
}
