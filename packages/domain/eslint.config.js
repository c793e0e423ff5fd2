import { base, restrictImports } from '@allot/eslint-config';

// domain is pure: zod only, no I/O, no other workspace package.
export default [
  ...base,
  restrictImports('@allot/*', 'node:*', 'pg', 'kysely', 'fastify', '@trpc/*'),
];
