import { base, restrictImports } from '@allot/eslint-config';

// Test support is pure like the domain it models: no I/O, nothing but the domain's rules.
export default [
  ...base,
  restrictImports('@allot/api', '@allot/db', '@allot/rest', 'node:*', 'pg', 'kysely'),
];
