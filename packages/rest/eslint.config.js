import { base, restrictImports } from '@allot/eslint-config';

// rest reaches the database only through @allot/api procedures.
export default [
  ...base,
  restrictImports('@allot/db', '@allot/client', '@allot/server', 'kysely', 'pg'),
];
