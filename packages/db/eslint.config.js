import { base, restrictImports } from '@allot/eslint-config';

// db knows the domain's types and nothing above it.
export default [...base, restrictImports('@allot/api', '@allot/rest', '@allot/client', '@allot/server', 'fastify', '@trpc/*')];
