import { z } from 'zod';
import { text, withTextRule } from './text.ts';
import { idSchema, isoDateTimeSchema } from './common.ts';
import { billingModeSchema } from './billing-modes.ts';

/** Addresses are compared case-insensitively, so they are kept lowercased. */
export const emailSchema = text().trim().toLowerCase().max(254).pipe(withTextRule(z.email()));

/** New passwords: long enough to resist guessing; the upper bound keeps hashing cheap to refuse. */
export const MIN_PASSWORD_LENGTH = 12;
export const passwordSchema = text()
  .min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200);

export const USER_ROLES = ['admin', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const userRoleSchema = z.enum(USER_ROLES);

/** A partner's first admin, created with the partner by the operator. */
export const initialAdminInput = z.strictObject({
  email: emailSchema.describe('Signs in to the admin app'),
  password: passwordSchema.describe(`At least ${MIN_PASSWORD_LENGTH} characters`),
});

/** Signing in checks the password as typed: the length rule is for new passwords only. */
export const loginInput = z.strictObject({
  email: emailSchema,
  password: text().min(1, 'Enter your password').max(200),
});
export type LoginInput = z.infer<typeof loginInput>;

export const userSchema = z.object({
  id: idSchema,
  email: text(),
  role: userRoleSchema,
  createdAt: isoDateTimeSchema,
  lastLoginAt: isoDateTimeSchema.nullable(),
  disabledAt: isoDateTimeSchema.nullable(),
});
export type User = z.infer<typeof userSchema>;

export const userEnvelope = z.object({ user: userSchema });
export const userListSchema = z.object({ users: z.array(userSchema) });

/** Inviting a teammate: the password is generated and shown once. */
export const createUserInput = z.strictObject({
  email: emailSchema,
  role: userRoleSchema.default('member'),
});
export type CreateUserInput = z.infer<typeof createUserInput>;

export const createdUserSchema = z.object({ user: userSchema, password: text() });

export const userIdInput = z.strictObject({ userId: idSchema });

/** Who is signed in, and the token their browser must echo in `x-allot-csrf` on every change. */
export const sessionSchema = z.object({
  user: userSchema,
  partner: z.object({ id: idSchema, name: text(), billingMode: billingModeSchema }),
  csrfToken: text(),
  expiresAt: isoDateTimeSchema,
});
export type Session = z.infer<typeof sessionSchema>;
