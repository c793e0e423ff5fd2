import type { AppRouter } from '@allot/api';
import type { inferRouterOutputs } from '@trpc/server';

/** What each procedure answers, as the server's AppRouter types it. */
export type Outputs = inferRouterOutputs<AppRouter>;
