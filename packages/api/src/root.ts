import { autoTopUpRouter, balanceAlertsRouter } from './routers/alerts.ts';
import { apiKeysRouter } from './routers/api-keys.ts';
import { authRouter } from './routers/auth.ts';
import { billingRouter } from './routers/billing.ts';
import { clientBillingRouter } from './routers/client-billing.ts';
import { clientInvoicesRouter } from './routers/client-invoices.ts';
import { creditReportsRouter } from './routers/credit-reports.ts';
import { creditsRouter } from './routers/credits.ts';
import { icpRouter } from './routers/icp.ts';
import { operatorRouter } from './routers/operator.ts';
import { organizationsRouter } from './routers/organizations.ts';
import { pixelRouter } from './routers/pixel.ts';
import { usersRouter } from './routers/users.ts';
import { visitorsRouter } from './routers/visitors.ts';
import { webhooksRouter } from './routers/webhooks.ts';
import { createCallerFactory, router } from './trpc.ts';

export const appRouter = router({
  organizations: organizationsRouter,
  pixel: pixelRouter,
  visitors: visitorsRouter,
  icp: icpRouter,
  billing: billingRouter,
  credits: creditsRouter,
  creditReports: creditReportsRouter,
  clientBilling: clientBillingRouter,
  clientInvoices: clientInvoicesRouter,
  balanceAlerts: balanceAlertsRouter,
  autoTopUp: autoTopUpRouter,
  webhooks: webhooksRouter,
  operator: operatorRouter,
  auth: authRouter,
  users: usersRouter,
  apiKeys: apiKeysRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side calls (the REST adapter, tests): the same auth, validation and errors as /trpc. */
export const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;
