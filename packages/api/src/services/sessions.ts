import type { Db, Tx } from '@allot/db';
import type { LoginInput, Session } from '@allot/domain';
import { newSecret, sameHash, sha256 } from '../crypto.ts';
import { newId } from '../ids.ts';
import { checkPassword } from './passwords.ts';
import { toUser } from './users.ts';

/** A session ends after this long without a request... */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** ...and this long after sign-in, however active. */
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;
/** Writing last_seen_at on every request would turn each read into a write. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

const TOKEN_PREFIX = 'allot_ss_';

/**
 * The CSRF token of a session: derived from the session token (which only the cookie holds), so
 * the server can check it on every request without storing it, and neither the database nor the
 * token reveals the other. A cross-site page can make the browser send the cookie, but it can
 * neither read this token nor set a custom header without a CORS preflight, which nothing here
 * answers.
 */
export const csrfTokenFor = (sessionToken: string) =>
  sha256(`csrf\n${sessionToken}`).toString('base64url');

export function csrfMatches(sessionToken: string, presented: string | undefined): boolean {
  if (!presented || presented.length > 100) return false;
  return sameHash(sha256(csrfTokenFor(sessionToken)), sha256(presented));
}

export interface SessionIdentity {
  sessionId: string;
  userId: string;
  partnerId: string;
  role: 'admin' | 'member';
}

/**
 * The signed-in user behind a session token, or null when the session is unknown, signed out,
 * idle for too long, past its absolute end, or its user has been disabled.
 */
export async function authenticateSession(
  db: Db | Tx,
  token: string,
  now: Date,
): Promise<SessionIdentity | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.user_id', 's.partner_id', 's.last_seen_at', 'u.role'])
    .where('s.token_hash', '=', sha256(token))
    .where('s.expires_at', '>', now)
    .where('s.last_seen_at', '>', new Date(now.getTime() - SESSION_IDLE_MS))
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  if (now.getTime() - row.last_seen_at.getTime() > LAST_SEEN_RESOLUTION_MS) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', row.id).execute();
  }
  return { sessionId: row.id, userId: row.user_id, partnerId: row.partner_id, role: row.role };
}

/** What the admin app shows of a session, with the CSRF token it must send back. */
export async function describeSession(
  db: Db | Tx,
  token: string,
  now: Date,
): Promise<Session | null> {
  const identity = await authenticateSession(db, token, now);
  if (!identity) return null;
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('partners as p', 'p.id', 's.partner_id')
    .selectAll('u')
    .select(['s.expires_at', 'p.name as partner_name', 'p.billing_mode as partner_billing_mode'])
    .where('s.id', '=', identity.sessionId)
    .executeTakeFirstOrThrow();
  return {
    user: toUser(row),
    partner: { id: row.partner_id, name: row.partner_name, billingMode: row.partner_billing_mode },
    csrfToken: csrfTokenFor(token),
    expiresAt: row.expires_at.toISOString(),
  };
}

/**
 * Checks an email and password; on success opens a session and returns its token (for the
 * cookie only). A wrong password, an unknown email and a disabled user all answer null alike,
 * after the same amount of work.
 */
export async function openSession(db: Db, input: LoginInput, now: Date) {
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', input.email.toLowerCase()))
    .executeTakeFirst();
  const valid = await checkPassword(user?.password_hash ?? null, input.password);
  if (!user || !valid || user.disabled_at !== null) return null;
  const token = newSecret(TOKEN_PREFIX);
  const expiresAt = new Date(now.getTime() + SESSION_MAX_MS);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sessions')
      .values({
        id: newId(),
        token_hash: sha256(token),
        user_id: user.id,
        partner_id: user.partner_id,
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
      })
      .execute();
    await trx.updateTable('users').set({ last_login_at: now }).where('id', '=', user.id).execute();
    // Ended sessions are of no use to anyone: sign-ins sweep the user's.
    await trx
      .deleteFrom('sessions')
      .where('user_id', '=', user.id)
      .where((eb) =>
        eb.or([
          eb('expires_at', '<=', now),
          eb('last_seen_at', '<=', new Date(now.getTime() - SESSION_IDLE_MS)),
        ]),
      )
      .execute();
  });
  return { token, expiresAt };
}

/** Signs a session out: its token opens nothing from now on. */
export async function closeSession(db: Db | Tx, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', sha256(token)).execute();
}

/** Deletes ended sessions (past their absolute end, or idle too long); they open nothing anyway. */
export async function forgetEndedSessions(db: Db | Tx, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) =>
      eb.or([
        eb('expires_at', '<=', now),
        eb('last_seen_at', '<=', new Date(now.getTime() - SESSION_IDLE_MS)),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
