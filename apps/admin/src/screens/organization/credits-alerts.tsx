import {
  DEFAULT_CREDIT_TYPE,
  MAX_BALANCE_THRESHOLDS,
  setAutoTopUpInput,
  setBalanceAlertsInput,
  type Organization,
} from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { StatusBadge } from '../../components/badge.tsx';
import { Confirm } from '../../components/dialog.tsx';
import { FormError, SelectField, TextField } from '../../components/field.tsx';
import { Empty, ErrorMessage, Loading } from '../../components/states.tsx';
import { formatDateTime, formatNumber } from '../../format.ts';
import {
  check,
  errorAt,
  numberOrUndefined,
  serverErrors,
  useForm,
  type FieldErrors,
} from '../../forms.ts';
import { queryClient, trpc } from '../../trpc.ts';

type Threshold = { credits: number } | { percent: number };
interface ThresholdRow {
  kind: 'credits' | 'percent';
  value: string;
}

const toRow = (t: Threshold): ThresholdRow =>
  'credits' in t
    ? { kind: 'credits', value: String(t.credits) }
    : { kind: 'percent', value: String(t.percent) };

function ThresholdsForm({
  organizationId,
  initial,
}: {
  organizationId: string;
  initial: Threshold[];
}) {
  const [rows, setRows] = useState<ThresholdRow[]>(initial.map(toRow));
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = useMutation(
    trpc.balanceAlerts.set.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries({ queryKey: trpc.balanceAlerts.list.queryKey() }),
      onError: (error) => setErrors(serverErrors(error)),
    }),
  );
  const change = (index: number, next: Partial<ThresholdRow>) => {
    setRows((current) => current.map((row, i) => (i === index ? { ...row, ...next } : row)));
    setErrors({});
    save.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = check(setBalanceAlertsInput, {
      organizationId,
      thresholds: rows.map((row) => ({ [row.kind]: numberOrUndefined(row.value) })),
    });
    if (!checked.ok) return setErrors(checked.errors);
    save.mutate(checked.value);
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="alerts-title">
      <h3 id="alerts-title">Balance alerts</h3>
      <p className="muted">
        A <code>credit_balance.dropped</code> event (and a webhook) when the identification balance
        falls to a threshold: a number of credits, or a share of the period’s allocation. At most{' '}
        {MAX_BALANCE_THRESHOLDS}; none turns the alerts off.
      </p>
      {rows.length === 0 && <p className="muted">No thresholds.</p>}
      {rows.map((row, index) => (
        <div className="threshold-row" key={index}>
          <SelectField
            label={`Threshold ${index + 1} in`}
            value={row.kind}
            onChange={(kind) => change(index, { kind: kind === 'percent' ? 'percent' : 'credits' })}
            options={[
              { value: 'credits', label: 'credits' },
              { value: 'percent', label: 'percent of allocation' },
            ]}
          />
          <TextField
            label={`Threshold ${index + 1}`}
            inputMode="decimal"
            value={row.value}
            onChange={(value) => change(index, { value })}
            error={errorAt(errors, `thresholds.${index}`)}
          />
          <button
            type="button"
            className="button small"
            aria-label={`Remove threshold ${index + 1}`}
            onClick={() => {
              setRows((current) => current.filter((_, i) => i !== index));
              setErrors({});
            }}
          >
            Remove
          </button>
        </div>
      ))}
      <FormError error={errors.thresholds ?? errors['']} />
      <p className="actions">
        <button
          type="button"
          className="button"
          disabled={rows.length >= MAX_BALANCE_THRESHOLDS}
          onClick={() => setRows((current) => [...current, { kind: 'credits', value: '' }])}
        >
          Add threshold
        </button>
        <button type="submit" className="button primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : save.isSuccess ? 'Saved' : 'Save alerts'}
        </button>
      </p>
    </form>
  );
}

/** The balance thresholds of the organization's default credit type. */
export function BalanceAlerts({ organization: o }: { organization: Organization }) {
  const alerts = useQuery(trpc.balanceAlerts.list.queryOptions({ organizationId: o.id }));
  if (alerts.isPending) return <Loading />;
  if (alerts.isError)
    return <ErrorMessage error={alerts.error} retry={() => void alerts.refetch()} />;
  const alert = alerts.data.alerts.find((a) => a.creditType === DEFAULT_CREDIT_TYPE);
  return <ThresholdsForm organizationId={o.id} initial={alert?.thresholds ?? []} />;
}

type Rule = {
  threshold: number;
  amount: number;
  maxPerPeriod: number;
  expiresAfterDays: number | null;
  unitPrice: string | null;
};

function TopUpForm({ organizationId, rule }: { organizationId: string; rule: Rule | undefined }) {
  const form = useForm({
    threshold: rule ? String(rule.threshold) : '',
    amount: rule ? String(rule.amount) : '',
    maxPerPeriod: rule ? String(rule.maxPerPeriod) : '1',
    expiresAfterDays: rule?.expiresAfterDays ? String(rule.expiresAfterDays) : '',
    unitPrice: rule?.unitPrice ?? '',
  });
  const done = () => queryClient.invalidateQueries({ queryKey: trpc.autoTopUp.get.queryKey() });
  const save = useMutation(
    trpc.autoTopUp.set.mutationOptions({
      onSuccess: done,
      onError: (error) => form.setErrors(serverErrors(error)),
    }),
  );
  const remove = useMutation(trpc.autoTopUp.remove.mutationOptions({ onSuccess: done }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const v = form.values;
    const checked = check(setAutoTopUpInput, {
      organizationId,
      threshold: numberOrUndefined(v.threshold),
      amount: numberOrUndefined(v.amount),
      maxPerPeriod: numberOrUndefined(v.maxPerPeriod),
      expiresAfterDays: numberOrUndefined(v.expiresAfterDays),
      unitPrice: v.unitPrice.trim() || null,
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    save.mutate(checked.value);
  };
  return (
    <>
      <form onSubmit={submit} noValidate aria-label="Auto top-up rule">
        <div className="grid-2">
          <TextField
            label="When the balance falls to"
            inputMode="numeric"
            value={form.values.threshold}
            onChange={form.set('threshold')}
            error={form.errors.threshold}
          />
          <TextField
            label="Grant this many credits"
            inputMode="numeric"
            value={form.values.amount}
            onChange={form.set('amount')}
            error={form.errors.amount}
          />
          <TextField
            label="At most, per billing period"
            inputMode="numeric"
            value={form.values.maxPerPeriod}
            onChange={form.set('maxPerPeriod')}
            error={form.errors.maxPerPeriod}
            hint="Top-ups per period"
          />
          <TextField
            label="Expire after days (optional)"
            inputMode="numeric"
            value={form.values.expiresAfterDays}
            onChange={form.set('expiresAfterDays')}
            error={form.errors.expiresAfterDays}
            hint="Empty: top-up credits never expire"
          />
          <TextField
            label="Invoice at, per credit (optional)"
            inputMode="decimal"
            value={form.values.unitPrice}
            onChange={form.set('unitPrice')}
            error={form.errors.unitPrice}
            hint="Each top-up is invoiced at this price. Empty: its price per purchased credit, if any; else free."
          />
        </div>
        <FormError error={form.errors[''] ?? remove.error?.message} />
        <p className="actions">
          <button type="submit" className="button primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : rule ? 'Save auto top-up' : 'Turn on auto top-up'}
          </button>
        </p>
      </form>
      {/* Outside the form: a dialog's submit would bubble (in React) to the form around it. */}
      {rule && (
        <Confirm
          title="Turn off auto top-up?"
          confirmLabel="Remove"
          onConfirm={() => remove.mutateAsync({ organizationId })}
          trigger={(open) => (
            <button type="button" className="button danger" onClick={open}>
              Remove auto top-up
            </button>
          )}
        >
          <p>No more credits are granted automatically when the balance runs low.</p>
        </Confirm>
      )}
    </>
  );
}

/** Automatic grants when the identification balance runs low, and the last ones made. */
export function AutoTopUp({ organization: o }: { organization: Organization }) {
  const topUp = useQuery(trpc.autoTopUp.get.queryOptions({ organizationId: o.id }));
  const rule = topUp.data?.rules.find((r) => r.creditType === DEFAULT_CREDIT_TYPE);
  return (
    <section className="card" aria-labelledby="top-up-title">
      <h3 id="top-up-title">Auto top-up</h3>
      {topUp.isPending ? (
        <Loading />
      ) : topUp.isError ? (
        <ErrorMessage error={topUp.error} retry={() => void topUp.refetch()} />
      ) : (
        <>
          <p className="muted">
            {rule
              ? `On: ${formatNumber(rule.amount)} credits when the balance falls to ${formatNumber(rule.threshold)}.`
              : 'Off.'}
          </p>
          <TopUpForm key={rule?.updatedAt ?? 'none'} organizationId={o.id} rule={rule} />
          <h4>Recent top-ups</h4>
          {topUp.data.recent.length === 0 ? (
            <Empty>No top-ups yet.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col" className="numeric">
                      Amount
                    </th>
                    <th scope="col" className="numeric">
                      Balance
                    </th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {topUp.data.recent.map((run) => (
                    <tr key={run.id}>
                      <td>{formatDateTime(run.createdAt)}</td>
                      <td className="numeric">{formatNumber(run.amount)}</td>
                      <td className="numeric">{formatNumber(run.balance)}</td>
                      <td>
                        <StatusBadge status={run.status} />
                        {run.reason && <div className="muted">{run.reason}</div>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
