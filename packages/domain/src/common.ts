import { z } from 'zod';
import type { RuleCode } from './errors.ts';
import { withTextRule } from './text.ts';

/** Credits are whole units. The cap keeps every sum of credits exact in a JS number. */
export const MAX_CREDITS = 1_000_000_000_000;

export const creditsSchema = z.int().min(0).max(MAX_CREDITS);

export const idSchema = withTextRule(z.uuid());

export const isoDateTimeSchema = withTextRule(z.iso.datetime({ offset: true }));

/** A calendar day `YYYY-MM-DD` that exists: zod's pattern knows month lengths and leap years. */
export const isoDateSchema = withTextRule(z.iso.date());

export const pageSchema = z.int().min(1).max(1_000_000);
export const pageSizeSchema = z.int().min(1).max(100);

/** A business rule that refused a request (answered as 422). */
export interface RuleViolation {
  code: RuleCode;
  message: string;
}

export type RuleResult<T> = { ok: true; value: T } | { ok: false; violation: RuleViolation };

export const ok = <T>(value: T): RuleResult<T> => ({ ok: true, value });
export const refuse = <T = never>(code: RuleCode, message: string): RuleResult<T> => ({
  ok: false,
  violation: { code, message },
});
