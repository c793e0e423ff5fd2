import { DEFAULT_CREDIT_TYPE, type Balance, type Currency } from '@allot/domain';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorMessage, Loading } from '../../components/states.tsx';
import { formatDate, formatNumber } from '../../format.ts';
import { creditsAsMoney } from '../../money.ts';
import { trpc } from '../../trpc.ts';
import { AutoTopUp, BalanceAlerts } from './credits-alerts.tsx';
import { AllocateDialog } from './credits-dialogs.tsx';
import { GrantDialog } from './credits-grant-dialog.tsx';
import { Grants } from './credits-grants.tsx';
import { Ledger } from './credits-ledger.tsx';
import type { TabProps } from './page.tsx';

function Expiring({ balance, amount }: { balance: Balance; amount: string }) {
  return (
    <>
      {balance.expiringSoon > 0
        ? `${amount} expire${balance.expiringSoon === 1 ? 's' : ''} within 30 days`
        : 'None expiring within 30 days'}
      {balance.nextExpiry && <> · next {formatDate(balance.nextExpiry)}</>}
    </>
  );
}

/** Credits counted in units (identifications): what is spendable, used and expiring. */
function UnitBalance({ balance }: { balance: Balance }) {
  return (
    <section className="card" aria-label={`${balance.creditType} credits`}>
      <h3>{balance.creditType}</h3>
      <dl className="stat">
        <dt>Available</dt>
        <dd>{formatNumber(balance.available)}</dd>
      </dl>
      <p className="muted">
        {formatNumber(balance.allocated)} allocated · {formatNumber(balance.used)} used
        {balance.overage > 0 && <> · {formatNumber(balance.overage)} overage</>}
        {balance.pending > 0 && <> · {formatNumber(balance.pending)} pending</>}
        <br />
        <Expiring balance={balance} amount={formatNumber(balance.expiringSoon)} />
        {balance.renewalShortfall > 0 && (
          <>
            <br />
            The pool fell {formatNumber(balance.renewalShortfall)} short at renewal
          </>
        )}
      </p>
    </section>
  );
}

/**
 * Money credits (one credit, one minor unit): what the next invoices can apply, and what sits
 * on invoices not yet paid (it comes back if one is voided).
 */
function MoneyBalance({ balance, currency }: { balance: Balance; currency: Currency }) {
  const money = (credits: number) => creditsAsMoney(credits, currency);
  return (
    <section className="card" aria-label={`${balance.creditType} credits`}>
      <h3>
        {balance.creditType} <span className="muted">({currency})</span>
      </h3>
      <dl className="stat">
        <dt>Available</dt>
        <dd>{money(balance.available)}</dd>
      </dl>
      <dl className="facts compact">
        <dt>Pending</dt>
        <dd>{money(balance.pending)}</dd>
        <dt>Expiring soon</dt>
        <dd>{money(balance.expiringSoon)}</dd>
      </dl>
      <p className="muted">
        Pending: applied to unpaid invoices, back if one is voided.
        {balance.nextExpiry && (
          <>
            <br />
            Next expiry {formatDate(balance.nextExpiry)}
          </>
        )}
      </p>
    </section>
  );
}

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
          {balances.data.balances.map((balance) =>
            balance.currency ? (
              <MoneyBalance
                key={balance.creditType}
                balance={balance}
                currency={balance.currency}
              />
            ) : (
              <UnitBalance key={balance.creditType} balance={balance} />
            ),
          )}
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
