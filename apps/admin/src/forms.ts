import { useState } from 'react';
import { errorInfo } from './trpc.ts';

/** What a form shows next to its fields; the empty key holds what concerns the whole form. */
export type FieldErrors = Record<string, string>;

interface Issue {
  path: PropertyKey[];
  message: string;
}

/** The part of a zod schema forms use: the same schemas from @allot/domain the server applies. */
export interface Schema<T> {
  safeParse(
    input: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: Issue[] } };
}

function byField(issues: Issue[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join('.');
    errors[key] ??= issue.message;
  }
  return errors;
}

/** Checks input against a contract before sending it: the errors, keyed by field, or the parsed value. */
export function check<T>(
  schema: Schema<T>,
  input: unknown,
): { ok: true; value: T } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(input);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, errors: byField(result.error.issues) };
}

/**
 * A server refusal as field errors: validation issues by their path, a business code (e.g.
 * `insufficient_pool_credits`) on the field `fieldOf` names for it, anything else on the form.
 */
export function serverErrors(error: unknown, fieldOf: Record<string, string> = {}): FieldErrors {
  const info = errorInfo(error);
  if (info.issues.length > 0) return byField(info.issues);
  const field = (info.appCode && fieldOf[info.appCode]) ?? '';
  return { [field]: info.message };
}

/** String-valued form state (what inputs hold), with its errors. */
export function useForm<T extends Record<string, string>>(initial: T) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const set = (name: keyof T & string) => (value: string) => {
    setValues((current) => ({ ...current, [name]: value }));
    setErrors(({ [name]: _cleared, ...rest }) => rest);
  };
  const reset = () => {
    setValues(initial);
    setErrors({});
  };
  return { values, errors, setErrors, set, reset };
}

/** An input's text as a number for the schema: empty is absent, anything else must parse. */
export const numberOrUndefined = (value: string) =>
  value.trim() === '' ? undefined : Number(value.trim());

/** An input's text for a setting that may be unset: empty is null (none), anything else a number. */
export const numberOrNull = (value: string) => (value.trim() === '' ? null : Number(value.trim()));

/** `YYYY-MM-DDTHH:mm` from a datetime-local input, taken as UTC, to an ISO instant. */
export const instantOrUndefined = (value: string) =>
  value === '' ? undefined : `${value}${value.length === 16 ? ':00' : ''}Z`;

/** The first error at `key` or inside it (`rules.industries` covers `rules.industries.0`). */
export function errorAt(errors: FieldErrors, key: string): string | undefined {
  if (errors[key]) return errors[key];
  const inner = Object.keys(errors).find((candidate) => candidate.startsWith(`${key}.`));
  return inner === undefined ? undefined : errors[inner];
}

/** A comma-separated list from a text input; empty means the rule is absent. */
export const listOrUndefined = (value: string) => {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
};
