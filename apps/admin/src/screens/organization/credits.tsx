import { DEFAULT_CREDIT_TYPE } from '@allot/domain';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorMessage, Loading } from '../../components/states.tsx';
import { formatDate, formatNumber } from '../../format.ts';
import { trpc } from '../../trpc.ts';
import { AutoTopUp, BalanceAlerts } from './credits-alerts.tsx';
import { AllocateDialog, GrantDialog } from './credits-dialogs.tsx';
import { Grants } from './credits-grants.tsx';
import { Ledger } from './credits-ledger.tsx';
import type { TabProps } from './page.tsx';

/** Balances per credit type, the grants, and the ledger that explains both. */
export default function Credits({ organization: o }: TabProps) {
  const balances = useQuery(trpc.credits.balances.queryOptions({ organizationId: o.id }));
  const [dialog, setDialog] = useState<'grant' | 'allocate' | null>(null);
  const identification = balances.data?.balances.find((b) => b.creditType === DEFAULT_CREDIT_TYPE);
  const canceled = o.status === 'canceled';
  return (
    <>
      <div className="page-header">
        <h2>Balances</h2>
        <div className="actions">
          <button
            type="button"
            className="button"
            onClick={() => setDialog('allocate')}
            disabled={canceled}
          >
            Set allocation
          </button>
          <button
            type="button"
            className="button primary"
            onClick={() => setDialog('grant')}
            disabled={canceled}
          >
            Grant credits
          </button>
        </div>
      </div>
      {balances.isPending ? (
        <Loading />
      ) : balances.isError ? (
        <ErrorMessage error={balances.error} retry={() => void balances.refetch()} />
      ) : (
        <div className="cards">
          {balances.data.balances.map((balance) => (
            <section
              className="card"
              key={balance.creditType}
              aria-label={`${balance.creditType} credits`}
            >
              <h3>{balance.creditType}</h3>
              <dl className="stat">
                <dt>Available</dt>
                <dd>{formatNumber(balance.available)}</dd>
              </dl>
              <p className="muted">
                {formatNumber(balance.allocated)} allocated · {formatNumber(balance.used)} used
                {balance.overage > 0 && <> · {formatNumber(balance.overage)} overage</>}
                <br />
                {balance.expiringSoon > 0
                  ? `${formatNumber(balance.expiringSoon)} expire within 30 days`
                  : 'None expiring within 30 days'}
                {balance.nextExpiry && <> · next {formatDate(balance.nextExpiry)}</>}
                {balance.renewalShortfall > 0 && (
                  <>
                    <br />
                    The pool fell {formatNumber(balance.renewalShortfall)} short at renewal
                  </>
                )}
              </p>
            </section>
          ))}
        </div>
      )}
      <section aria-labelledby="low-balance-title">
        <h2 id="low-balance-title">Low balance</h2>
        <div className="two-columns">
          <BalanceAlerts organization={o} />
          <AutoTopUp organization={o} />
        </div>
      </section>
      <Grants organization={o} />
      <Ledger organization={o} />
      <GrantDialog
        organization={o}
        held={identification?.available ?? 0}
        open={dialog === 'grant'}
        onClose={() => setDialog(null)}
      />
      <AllocateDialog
        organization={o}
        open={dialog === 'allocate'}
        onClose={() => setDialog(null)}
      />
    </>
  );
}
