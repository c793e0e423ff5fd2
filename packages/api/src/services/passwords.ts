import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

// argon2id with the library's defaults (19 MiB, 2 passes, 1 lane): OWASP's recommended floor,
// about a tenth of a second here. The parameters travel inside each hash, so raising them later
// leaves existing hashes verifiable.

export const hashPassword = (password: string): Promise<string> => hash(password);

/** A hash of nothing anyone knows: an unknown email is checked against it to take as long as a known one. */
let decoy: Promise<string> | undefined;

/**
 * Whether `password` matches `passwordHash`. With no hash (no such user) it still runs one
 * verification, so the time taken does not tell whether the email exists.
 */
export async function checkPassword(passwordHash: string | null, password: string) {
  if (passwordHash === null) {
    decoy ??= hash(randomBytes(16).toString('hex'));
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

/** A password to hand to a new teammate once: 120 random bits, easy to copy. */
export const generatePassword = () => randomBytes(15).toString('base64url');
