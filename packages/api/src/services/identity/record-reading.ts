import {
  companyIdentitySchema,
  identityRecordSchema,
  identitySchema,
  isText,
  personIdentitySchema,
  type Identity,
} from '@allot/domain';
import { z } from 'zod';

/*
 * Reading a dataset line's JSON as identityRecordSchema does, at a tenth of the cost. The schema
 * takes about 2 µs a line, most of a million-line load; the checks its fields need (a length, an
 * integer range, the email pattern, the text rule) take a fraction of that written out. The rules
 * are read from the schema itself, so they cannot drift from it, and the fast reading only ever
 * accepts: anything it is not sure of (a field it does not understand, a value out of bounds, a
 * string it cannot vouch for) goes to the schema, which decides and words the error.
 */

interface TextRule {
  kind: 'text';
  key: string;
  optional: boolean;
  nullable: boolean;
  min: number;
  max: number;
  pattern: RegExp | null;
}
interface CountRule {
  kind: 'count';
  key: string;
  optional: boolean;
  nullable: boolean;
  min: number;
  max: number;
}
type FieldRule = TextRule | CountRule;

/** What a check of the schema says about itself; the fields read here are all that is needed. */
interface CheckDef {
  check: string;
  fn?: unknown;
  inclusive?: boolean;
}
const checksOf = (schema: z.ZodType): CheckDef[] =>
  ((schema._zod.def as { checks?: { _zod: { def: CheckDef } }[] }).checks ?? []).map(
    (check) => check._zod.def,
  );

/** One field's rule, or null when it checks something not understood here. */
function ruleOf(key: string, field: z.ZodType): FieldRule | null {
  let schema = field;
  let optional = false;
  let nullable = false;
  for (;;) {
    if (schema instanceof z.ZodOptional) optional = true;
    else if (schema instanceof z.ZodNullable) nullable = true;
    else break;
    schema = schema.unwrap() as z.ZodType;
  }
  const checks = checksOf(schema);
  if (schema instanceof z.ZodString || schema instanceof z.ZodStringFormat) {
    const format = schema.format;
    if (format !== null && format !== 'email') return null;
    const pattern = (schema._zod.def as { pattern?: unknown }).pattern;
    if (format === 'email' && !(pattern instanceof RegExp)) return null;
    // The text rule (and only it) as the custom check, so every string gets it below.
    const understood = checks.every(
      ({ check, fn }) =>
        check === 'min_length' || check === 'max_length' || (check === 'custom' && fn === isText),
    );
    if (!understood || !checks.some(({ fn }) => fn === isText)) return null;
    return {
      kind: 'text',
      key,
      optional,
      nullable,
      min: schema.minLength ?? 0,
      max: schema.maxLength ?? Infinity,
      pattern: pattern instanceof RegExp ? pattern : null,
    };
  }
  if (schema instanceof z.ZodNumber) {
    const inclusive = checks.every(
      ({ check, inclusive }) =>
        (check === 'greater_than' || check === 'less_than') && inclusive === true,
    );
    if (schema.format !== 'safeint' || !inclusive) return null;
    return {
      kind: 'count',
      key,
      optional,
      nullable,
      min: schema.minValue ?? Number.MIN_SAFE_INTEGER,
      max: schema.maxValue ?? Number.MAX_SAFE_INTEGER,
    };
  }
  return null;
}

/** An object schema's field rules, in its key order (the order the schema's output has). */
function rulesOf(schema: z.ZodObject): FieldRule[] | null {
  // Unknown keys are dropped, as the schema does, only while it does (no catchall, no strict).
  if ((schema._zod.def as { catchall?: unknown }).catchall !== undefined) return null;
  const rules: FieldRule[] = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    const rule = ruleOf(key, field as z.ZodType);
    if (!rule) return null;
    rules.push(rule);
  }
  return rules;
}

const COMPANY = rulesOf(companyIdentitySchema);
const PERSON = rulesOf(personIdentitySchema);
const CIDR = ruleOf('cidr', identityRecordSchema.shape.cidr);
/** The record is the identity and a cidr, nothing else: only then is the fast reading exact. */
const RECORD_KEYS_UNDERSTOOD =
  Object.keys(identityRecordSchema.shape).join() === 'company,person,cidr' &&
  Object.keys(identitySchema.shape).join() === 'company,person' &&
  (identityRecordSchema._zod.def as { catchall?: unknown }).catchall === undefined;

/** Whether the fast reading is in use: false if the schemas hold a rule it does not know. */
export const fastReadingEnabled =
  COMPANY !== null && PERSON !== null && CIDR?.kind === 'text' && RECORD_KEYS_UNDERSTOOD;

/** The bounds of the `cidr` string's length, for a reader that takes it from bytes. */
export const cidrLength = {
  min: CIDR?.min ?? 1,
  max: CIDR?.max ?? 0, // nothing fits: every cidr goes through the schema
};

/** Returned when the fast reading cannot decide. */
const UNSURE = Symbol('unsure');

function readFields(
  value: unknown,
  rules: FieldRule[],
  storable: boolean,
): Record<string, unknown> | null | typeof UNSURE {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return UNSURE;
  const input = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const rule of rules) {
    const v = input[rule.key];
    if (v === undefined) {
      if (!rule.optional) return UNSURE;
      continue;
    }
    if (v === null) {
      if (!rule.nullable) return UNSURE;
    } else if (rule.kind === 'text') {
      if (typeof v !== 'string' || v.length < rule.min || v.length > rule.max) return UNSURE;
      if (rule.pattern && !rule.pattern.test(v)) return UNSURE;
      if (!storable && !isText(v)) return UNSURE;
    } else if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < rule.min || v > rule.max) {
      return UNSURE;
    }
    out[rule.key] = v;
  }
  return out;
}

/** The identity a record names, as the loader keeps it: the parts present; null for nobody. */
function identityOf(company: Identity['company'], person: Identity['person']): Identity | null {
  if (!company && !person) return null;
  const identity: Identity = {};
  if (company) identity.company = company;
  if (person) identity.person = person;
  return identity;
}

/**
 * The identity in a line's JSON (its fields other than `cidr`), as the schema would read it;
 * undefined when the fast reading cannot say (the caller reads the line with the schema).
 *
 * `storable`: the JSON text held no escape sequence, so no string in it can hold what the text
 * rule refuses (a raw NUL is not valid JSON, and decoded UTF-8 has no lone surrogate).
 */
export function readIdentityFast(json: unknown, storable: boolean): Identity | null | undefined {
  if (!fastReadingEnabled || !COMPANY || !PERSON) return undefined;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const record = json as Record<string, unknown>;
  const company = readFields(record.company, COMPANY, storable);
  if (company === UNSURE) return undefined;
  const person = readFields(record.person, PERSON, storable);
  if (person === UNSURE) return undefined;
  // Checked field by field against the schemas' own rules, so they are what the schemas give.
  return identityOf(company as Identity['company'], person);
}

export type RecordReading =
  { ok: true; cidr: string; identity: Identity | null } | { ok: false; message: string };

/** A line's JSON read as a record: the fast reading when it can decide, else the schema. */
export function readRecord(json: unknown, storable: boolean): RecordReading {
  if (typeof json === 'object' && json !== null && CIDR?.kind === 'text') {
    const { cidr } = json as { cidr?: unknown };
    if (
      typeof cidr === 'string' &&
      cidr.length >= CIDR.min &&
      cidr.length <= CIDR.max &&
      (storable || isText(cidr))
    ) {
      const identity = readIdentityFast(json, storable);
      if (identity !== undefined) return { ok: true, cidr, identity };
    }
  }
  const parsed = identityRecordSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      message: parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`)
        .join('; '),
    };
  }
  const { cidr, company, person } = parsed.data;
  return { ok: true, cidr, identity: identityOf(company, person) };
}

/** The fields of an object the schema has accepted, as the schema outputs them. */
function pickFields(value: unknown, rules: FieldRule[]): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  const input = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const { key } of rules) {
    const v = input[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * The identity in JSON the loader has already accepted (a stored record, read again for a
 * lookup). No rule is checked again: the schemas' fields have no transform or default (the
 * rules are only read from schemas with none), so what they give an accepted object is its
 * fields, in their order.
 */
export function readAcceptedIdentity(json: unknown): Identity | null {
  if (!fastReadingEnabled || !COMPANY || !PERSON) {
    const { company, person } = identitySchema.parse(json);
    return identityOf(company, person);
  }
  const record = json as Record<string, unknown>;
  const company = pickFields(record.company, COMPANY);
  return identityOf(company as Identity['company'], pickFields(record.person, PERSON));
}
