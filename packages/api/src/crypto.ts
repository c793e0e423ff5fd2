import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** A secret with 256 bits of entropy, prefixed so a leaked one is recognisable. */
export const newSecret = (prefix: string) => `${prefix}${randomBytes(32).toString('base64url')}`;

/** A public identifier: random, but needs no secrecy. */
export const newPublicKey = (prefix: string) => `${prefix}${randomBytes(15).toString('base64url')}`;

export const sameHash = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);
