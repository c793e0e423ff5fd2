import { TRIAL_CREDIT_CAP, type Tier } from '@allot/domain';
import { useQuery } from '@tanstack/react-query';
import { formatNumber } from '../format.ts';
import { trpc } from '../trpc.ts';

/**
 * What limits a grant or an allocation, shown before it is sent: what the pool has left (in
 * credit_pool mode) and, for a trial organization, the trial cap.
 */
export function PoolHint({ tier, held }: { tier: Tier; held?: number }) {
  const billing = useQuery(trpc.billing.get.queryOptions());
  const pool =
    billing.data?.creditsUnallocated === null || billing.data === undefined
      ? null
      : billing.data.creditsUnallocated;
  return (
    <ul className="hint-list" aria-live="polite">
      {billing.isPending ? (
        <li>Reading the pool…</li>
      ) : pool === null ? (
        <li>No pool cap: this partner is billed {billing.data?.billingMode.replace('_', ' ')}.</li>
      ) : (
        <li>
          Pool left this period: <strong>{formatNumber(pool)}</strong> credits
        </li>
      )}
      {tier === 'trial' && (
        <li>
          Trial cap: at most <strong>{formatNumber(TRIAL_CREDIT_CAP)}</strong> credits
          {held !== undefined && <> (holds {formatNumber(held)} now)</>}
        </li>
      )}
    </ul>
  );
}
