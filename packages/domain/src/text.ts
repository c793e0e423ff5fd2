import { z } from 'zod';

export const TEXT_MESSAGE = 'must not contain NUL or unpaired surrogate characters';

/**
 * NUL, which PostgreSQL refuses in text, and UTF-16 surrogates that are not half of a pair,
 * which UTF-8 cannot encode. In `u` mode a well-formed pair is one code point outside `Cs`.
 */
const UNSTORABLE = /[\0\p{Cs}]/u;

/** Whether a string can be stored and sent as it is. */
export const isText = (value: string): boolean => !UNSTORABLE.test(value);

/**
 * Adds the text rule to a string schema of any format (url, email, uuid...). It runs before the
 * schema's own checks would pass the value on, so its issue names the field like any other.
 */
export const withTextRule = <T extends z.ZodType<string>>(schema: T): T =>
  schema.refine(isText, { message: TEXT_MESSAGE });

/** The one string of every contract: never `z.string()` directly (the schema test walks them all). */
export const text = () => withTextRule(z.string());
