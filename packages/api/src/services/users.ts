import type { Db, Tx, UserRow } from '@allot/db';
import type { User, UserRole } from '@allot/domain';
import { sql } from 'kysely';
import { conflict, notFound, refused } from '../errors.ts';
import { newId } from '../ids.ts';
import { generatePassword, hashPassword } from './passwords.ts';

export const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  role: row.role,
  createdAt: row.created_at.toISOString(),
  lastLoginAt: row.last_login_at?.toISOString() ?? null,
  disabledAt: row.disabled_at?.toISOString() ?? null,
});

export interface NewUser {
  email: string;
  role: UserRole;
  password: string;
}

/**
 * Adds a user to a partner. An email signs in to one account, whichever partner holds it: a
 * taken one is a 409, checked by the unique index so two requests at once cannot both win.
 */
export async function createUser(trx: Tx, partnerId: string, input: NewUser, now: Date) {
  const passwordHash = await hashPassword(input.password);
  const row = await trx
    .insertInto('users')
    .values({
      id: newId(),
      partner_id: partnerId,
      email: input.email.toLowerCase(),
      password_hash: passwordHash,
      role: input.role,
      created_at: now,
    })
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw conflict('email_taken', 'A user with this email already exists');
  return toUser(row);
}

/** A teammate invited from the Team page: the password is generated and returned this once. */
export async function inviteUser(
  trx: Tx,
  partnerId: string,
  input: { email: string; role: UserRole },
  now: Date,
) {
  const password = generatePassword();
  const user = await createUser(trx, partnerId, { ...input, password }, now);
  return { user, password };
}

export async function listUsers(db: Db | Tx, partnerId: string) {
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return { users: rows.map(toUser) };
}

/** Disables a user and ends their sessions at once. Nobody disables themselves (no lock-out). */
export async function disableUser(
  trx: Tx,
  partnerId: string,
  userId: string,
  actingUserId: string,
  now: Date,
) {
  if (userId === actingUserId)
    throw refused({ code: 'cannot_disable_self', message: 'You cannot disable your own account' });
  const row = await trx
    .updateTable('users')
    .set((eb) => ({ disabled_at: eb.fn.coalesce('disabled_at', sql<Date>`${now}`) }))
    .where('id', '=', userId)
    .where('partner_id', '=', partnerId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw notFound('User');
  await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
  return { user: toUser(row) };
}
