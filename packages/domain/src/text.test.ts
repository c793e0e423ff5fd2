import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as domain from './index.ts';
import { TEXT_MESSAGE, isText, text, withTextRule } from './text.ts';

const UNSTORABLE = ['\u0000', 'a\u0000b', '\ud800', 'a\udfffb', '\udc00\ud800', 'x\ud83d'];

describe('isText', () => {
  it.each(['', 'plain', 'émoji 💥', '\ud83d\udca5', 'tab\tnewline\n', '\uffff', '\u0001'])(
    'accepts %j',
    (value) => expect(isText(value)).toBe(true),
  );

  it.each(UNSTORABLE)('refuses %j', (value) => expect(isText(value)).toBe(false));

  it('checks a 100k-character string in linear time', () => {
    expect(isText('a'.repeat(100_000))).toBe(true);
    expect(isText(`${'a'.repeat(100_000)}\u0000`)).toBe(false);
  });
});

type Leaf = { path: string; schema: z.ZodType };

/**
 * Every string schema reachable from `schema`, through objects, arrays, unions, records (keys
 * and values), pipes, wrappers and lazy schemas. A leaf that accepts any value (`unknown`,
 * `any`) is reported too: it would let a string past the rule.
 */
function stringLeaves(schema: z.ZodType, path = '', seen = new Set<z.ZodType>()): Leaf[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  const walk = (child: unknown, at: string) => stringLeaves(child as z.ZodType, at, seen);
  switch (def.type) {
    case 'string':
    case 'unknown':
    case 'any':
      return [{ path: path || '(root)', schema }];
    case 'object':
      return [
        ...Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
          walk(child, `${path}.${key}`),
        ),
        ...(def.catchall ? walk(def.catchall, `${path}.*`) : []),
      ];
    case 'array':
    case 'set':
      return walk(def.element ?? def.valueType, `${path}[]`);
    case 'record':
    case 'map':
      return [...walk(def.keyType, `${path}{key}`), ...walk(def.valueType, `${path}{value}`)];
    case 'union':
      return (def.options as z.ZodType[]).flatMap((option, i) => walk(option, `${path}|${i}`));
    case 'intersection':
      return [...walk(def.left, path), ...walk(def.right, path)];
    case 'tuple':
      return [
        ...(def.items as z.ZodType[]).flatMap((item, i) => walk(item, `${path}[${i}]`)),
        ...(def.rest ? walk(def.rest, `${path}[...]`) : []),
      ];
    case 'pipe':
      return [...walk(def.in, path), ...walk(def.out, path)];
    case 'lazy':
      return walk((def.getter as () => z.ZodType)(), path);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'catch':
    case 'readonly':
      return walk(def.innerType, path);
    default:
      // Numbers, booleans, enums, literals, dates, transforms: no free text.
      return [];
  }
}

/** A leaf keeps the rule when each unstorable string is refused with the rule's own issue. */
function leafRefusesUnstorable(leaf: z.ZodType) {
  return UNSTORABLE.every((value) => {
    const result = leaf.safeParse(value);
    return !result.success && result.error.issues.some((issue) => issue.message === TEXT_MESSAGE);
  });
}

const schemas = (Object.entries(domain) as [string, unknown][]).filter(
  (entry): entry is [string, z.ZodType] => entry[1] instanceof z.ZodType,
);

describe('every string of every exported contract keeps the text rule', () => {
  it('finds the contracts and their strings', () => {
    expect(schemas.length).toBeGreaterThan(50);
    expect(schemas.flatMap(([, schema]) => stringLeaves(schema)).length).toBeGreaterThan(100);
  });

  it('notices a string that forgot the rule, anywhere', () => {
    const forgot = z.object({
      ok: text(),
      nested: z.array(z.object({ bare: z.string().optional() })),
      meta: z.record(z.string(), text()),
      format: z.email(),
      anything: z.unknown(),
    });
    const missing = stringLeaves(forgot)
      .filter((leaf) => !leafRefusesUnstorable(leaf.schema))
      .map((leaf) => leaf.path);
    expect(missing).toEqual(['.nested[].bare', '.meta{key}', '.format', '.anything']);
    expect(leafRefusesUnstorable(withTextRule(z.email()))).toBe(true);
  });

  it.each(schemas)('%s', (_name, schema) => {
    const missing = stringLeaves(schema)
      .filter((leaf) => !leafRefusesUnstorable(leaf.schema))
      .map((leaf) => leaf.path);
    expect(missing).toEqual([]);
  });
});

describe('the rule in a contract', () => {
  it('names the field, a metadata key and a metadata value', () => {
    const result = domain.createOrganizationInput.safeParse({
      name: 'a\u0000',
      metadata: { 'k\ud800': 1, plan: 'pro\u0000' },
    });
    expect(result.success).toBe(false);
    const issues = result.error?.issues ?? [];
    expect(issues).toContainEqual(
      expect.objectContaining({ path: ['name'], message: TEXT_MESSAGE }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ path: ['metadata', 'plan'], message: TEXT_MESSAGE }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({
        path: ['metadata', 'k\ud800'],
        issues: [expect.objectContaining({ message: TEXT_MESSAGE })],
      }),
    );
  });

  it('keeps well-formed text, astral characters included', () => {
    expect(domain.createOrganizationInput.parse({ name: ' Café 💥 ' }).name).toBe('Café 💥');
  });
});
