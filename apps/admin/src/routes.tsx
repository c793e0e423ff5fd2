import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

/** What a screen receives: the named parts of its address. */
export type ScreenProps = { params: Record<string, string> };

interface Route {
  pattern: string;
  screen: LazyExoticComponent<ComponentType<ScreenProps>>;
}

// Every screen is its own chunk: the first load carries the frame and sign-in only.
export const routes: Route[] = [
  { pattern: '/', screen: lazy(() => import('./screens/dashboard.tsx')) },
  { pattern: '/organizations', screen: lazy(() => import('./screens/organizations.tsx')) },
  {
    pattern: '/organizations/:organizationId/:tab?',
    screen: lazy(() => import('./screens/organization/page.tsx')),
  },
  { pattern: '/usage', screen: lazy(() => import('./screens/usage.tsx')) },
  { pattern: '/invoices', screen: lazy(() => import('./screens/invoices.tsx')) },
  { pattern: '/invoices/:invoiceId', screen: lazy(() => import('./screens/invoice.tsx')) },
  { pattern: '/reports/credits', screen: lazy(() => import('./screens/credits-report.tsx')) },
  { pattern: '/pricing', screen: lazy(() => import('./screens/pricing.tsx')) },
  { pattern: '/branding', screen: lazy(() => import('./screens/branding.tsx')) },
  { pattern: '/billing', screen: lazy(() => import('./screens/billing.tsx')) },
  { pattern: '/api-keys', screen: lazy(() => import('./screens/api-keys.tsx')) },
  { pattern: '/webhooks', screen: lazy(() => import('./screens/webhooks.tsx')) },
  { pattern: '/team', screen: lazy(() => import('./screens/team.tsx')) },
];
