import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

export const schemaRef = (name: string) => `#/components/schemas/${name}`;

/**
 * Every named contract (see `schema-names.ts` in the domain) as an output schema. A named schema
 * nested in another is a `$ref`, so each entity is defined once in the document.
 */
export function namedOutputSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    io: 'output',
    unrepresentable: 'any',
    uri: schemaRef,
  }) as { schemas: Record<string, JsonSchema> };
  for (const schema of Object.values(schemas)) {
    // OpenAPI 3.1 fixes the dialect for the whole document; the name is the component's key.
    delete schema.$schema;
    delete schema.id;
    delete schema.$id;
  }
  return schemas;
}

/**
 * One schema as it is accepted (defaults optional, transforms' inputs). A named schema nested in
 * it refers to its output component when both variants are the same; otherwise its input variant
 * is hoisted into `inputSchemas` as `<Name>Input`, so the two never share a name.
 */
export function inputSchema(
  schema: z.ZodType,
  outputSchemas: Record<string, JsonSchema>,
  inputSchemas: Record<string, JsonSchema>,
) {
  const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete generated.$schema;
  const defs = Object.fromEntries(
    Object.entries((generated.$defs ?? {}) as Record<string, JsonSchema>).map(([name, def]) => [
      name,
      Object.fromEntries(Object.entries(def).filter(([key]) => key !== 'id')),
    ]),
  );
  delete generated.$defs;
  const rewrite = (value: unknown, target: (name: string) => string): unknown => {
    if (Array.isArray(value)) return value.map((item) => rewrite(item, target));
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) =>
        key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')
          ? [key, schemaRef(target(inner.slice('#/$defs/'.length)))]
          : [key, rewrite(inner, target)],
      ),
    );
  };
  // A def is the same as its output when it reads the same with every ref to the output names
  // and each def it refers to is the same too: drop names until nothing changes.
  const same = new Set(
    Object.keys(defs).filter(
      (name) =>
        JSON.stringify(rewrite(defs[name], (ref) => ref)) === JSON.stringify(outputSchemas[name]),
    ),
  );
  for (let changed = true; changed;) {
    changed = false;
    for (const name of same) {
      const refs = JSON.stringify(defs[name]).match(/#\/\$defs\/\w+/g) ?? [];
      if (refs.some((ref) => !same.has(ref.slice('#/$defs/'.length)))) {
        same.delete(name);
        changed = true;
      }
    }
  }
  const target = (name: string) => (same.has(name) ? name : `${name}Input`);
  for (const [name, def] of Object.entries(defs))
    if (!same.has(name)) inputSchemas[`${name}Input`] = rewrite(def, target) as JsonSchema;
  return rewrite(generated, target) as JsonSchema;
}

/** Components reachable from the document's operations and webhooks; nothing is left unused. */
export function reachableSchemas(
  roots: unknown,
  schemas: Record<string, JsonSchema>,
): Record<string, JsonSchema> {
  const seen = new Set<string>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string' && inner.startsWith(schemaRef(''))) {
        const name = inner.slice(schemaRef('').length);
        if (!seen.has(name)) {
          seen.add(name);
          visit(schemas[name]);
        }
      } else visit(inner);
    }
  };
  visit(roots);
  return Object.fromEntries(
    [...seen].sort().map((name) => {
      const schema = schemas[name];
      if (!schema) throw new Error(`OpenAPI refers to an undefined schema ${name}`);
      return [name, schema];
    }),
  );
}

export const errorSchema: JsonSchema = {
  type: 'object',
  description: 'The one error shape of every REST response that is not a success',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Machine-readable, e.g. `insufficient_pool_credits`' },
        message: { type: 'string', description: 'For people; may change' },
        details: { description: 'For 400: the validation issues' },
        requestId: {
          type: 'string',
          description: 'The X-Request-Id of the request, to quote when reporting a problem',
        },
      },
    },
  },
};

const integerHeader = (description: string) => ({ description, schema: { type: 'integer' } });

/** Headers responses carry, referenced from each response that sends them. */
export const headers = {
  'X-Request-Id': {
    description: 'Identifies the request in the logs; a client-supplied X-Request-Id is echoed',
    schema: { type: 'string' },
  },
  'X-RateLimit-Limit': integerHeader('Requests allowed per minute for this API key'),
  'X-RateLimit-Remaining': integerHeader('Requests left in the current minute'),
  'X-RateLimit-Reset': integerHeader('Seconds until the current minute window resets'),
  'Retry-After': integerHeader('Seconds to wait before retrying'),
  'Idempotent-Replayed': {
    description:
      '`true` when this response is the replay of an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};

export type HeaderName = keyof typeof headers;

export const headerRefs = (names: HeaderName[]) =>
  Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
