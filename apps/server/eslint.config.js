import { base } from '@allot/eslint-config';

export default [
  ...base,
  // Typechecked by openapi.test.ts against the client it generates, which exists only there.
  { ignores: ['test/openapi-fixtures/**'] },
];
