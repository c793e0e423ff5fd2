import { base, restrictImports } from '@allot/eslint-config';

// api holds the services and routers; transports and apps sit above it.
export default [
  ...base,
  restrictImports('@allot/rest', '@allot/client', '@allot/server', 'fastify'),
];
