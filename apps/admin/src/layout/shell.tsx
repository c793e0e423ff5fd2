import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, type ReactNode } from 'react';
import { Link, usePath } from '../router.tsx';
import { useIsAdmin, useSession } from '../session.tsx';
import { queryClient, setCsrfToken, trpc } from '../trpc.ts';

interface NavItem {
  to: string;
  label: string;
  adminOnly?: boolean;
}

const items: NavItem[] = [
  { to: '/', label: 'Dashboard' },
  { to: '/organizations', label: 'Organizations' },
  { to: '/usage', label: 'Usage' },
  { to: '/invoices', label: 'Invoices' },
  { to: '/reports/credits', label: 'Credits report' },
  { to: '/pricing', label: 'Pricing' },
  { to: '/branding', label: 'Branding' },
  { to: '/billing', label: 'Billing' },
  { to: '/api-keys', label: 'API keys', adminOnly: true },
  { to: '/webhooks', label: 'Webhooks' },
  { to: '/team', label: 'Team' },
];

const isCurrent = (to: string, path: string) =>
  to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`);

/** The frame around every screen: the navigation on the left, who is signed in, sign-out. */
export function Shell({ children }: { children: ReactNode }) {
  const session = useSession();
  const admin = useIsAdmin();
  const path = usePath();
  const main = useRef<HTMLElement>(null);
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: () => {
        setCsrfToken('');
        // Signed out: nothing of this partner's stays in memory for the next person at the desk.
        const session = JSON.stringify(trpc.auth.session.queryKey());
        queryClient.setQueryData(trpc.auth.session.queryKey(), null);
        queryClient.removeQueries({
          predicate: (query) => JSON.stringify(query.queryKey) !== session,
        });
      },
    }),
  );
  // A new screen moves focus to its content, as a page load would, for keyboard and reader users.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [path]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <p className="brand">Allot</p>
        <p className="partner-name">{session.partner.name}</p>
        <nav aria-label="Main">
          <ul>
            {items
              .filter((item) => !item.adminOnly || admin)
              .map((item) => (
                <li key={item.to}>
                  <Link to={item.to} aria-current={isCurrent(item.to, path) ? 'page' : undefined}>
                    {item.label}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <div className="signed-in">
          <p>
            {session.user.email}
            <br />
            <span className="muted">{session.user.role}</span>
          </p>
          <button
            type="button"
            className="button"
            onClick={() => logout.mutate()}
            disabled={logout.isPending}
          >
            Sign out
          </button>
        </div>
      </aside>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
