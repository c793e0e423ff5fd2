import { base, restrictImports } from '@allot/eslint-config';

export default [
  ...base,
  // db knows the domain's types and nothing above it.
  restrictImports(
    '@allot/api',
    '@allot/rest',
    '@allot/client',
    '@allot/server',
    'fastify',
    '@trpc/*',
  ),
  // Kysely's own advice: frozen migrations take Kysely<any>, so they never depend on today's types.
  {
    files: ['src/migrations/**', 'src/migrate.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
];
