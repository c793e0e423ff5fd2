import {
  GRANT_KINDS,
  GRANT_STATUSES,
  setGrantExpiryInput,
  voidGrantInput,
  type Grant,
  type Organization,
} from '@allot/domain';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { StatusBadge } from '../../components/badge.tsx';
import { Dialog } from '../../components/dialog.tsx';
import { FormError, SelectField, TextField } from '../../components/field.tsx';
import { Pager } from '../../components/pager.tsx';
import { Empty, ErrorMessage, Loading } from '../../components/states.tsx';
import { formatDateTime, formatNumber } from '../../format.ts';
import { check, instantOrUndefined, serverErrors, useForm } from '../../forms.ts';
import { oneOf, pageParam } from '../../hooks.ts';
import { creditsAsMoney } from '../../money.ts';
import { useSearch } from '../../router.tsx';
import { queryClient, trpc } from '../../trpc.ts';

const PAGE_SIZE = 10;
const refresh = () => queryClient.invalidateQueries();

/** Only hand-made grants that still hold something can be voided or given another expiry. */
const changeable = (grant: Grant) =>
  GRANT_KINDS.some((kind) => kind === grant.kind) &&
  grant.status !== 'voided' &&
  grant.status !== 'expired';

function VoidDialog({
  organizationId,
  grant,
  onClose,
}: {
  organizationId: string;
  grant: Grant;
  onClose: () => void;
}) {
  const form = useForm({ reason: '' });
  const voiding = useMutation(
    trpc.credits.grants.void.mutationOptions({
      onSuccess: async () => {
        await refresh();
        onClose();
      },
      onError: (error) => form.setErrors(serverErrors(error)),
    }),
  );
  const submit = () => {
    const checked = check(voidGrantInput, {
      organizationId,
      grantId: grant.id,
      reason: form.values.reason,
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    voiding.mutate(checked.value);
  };
  return (
    <Dialog
      title="Void this grant?"
      open
      onClose={onClose}
      onSubmit={submit}
      actions={
        <button type="submit" className="button danger" disabled={voiding.isPending}>
          {voiding.isPending ? 'Voiding…' : 'Void grant'}
        </button>
      }
    >
      <p>
        Its {formatNumber(grant.remaining)} unspent credits leave the organization for good (in a
        credit pool, they return to the pool). What was spent stays spent.
      </p>
      <TextField
        label="Reason"
        value={form.values.reason}
        onChange={form.set('reason')}
        error={form.errors.reason}
        autoFocus
      />
      <FormError error={form.errors['']} />
    </Dialog>
  );
}

function ExpiryDialog({
  organizationId,
  grant,
  onClose,
}: {
  organizationId: string;
  grant: Grant;
  onClose: () => void;
}) {
  const form = useForm({
    expiresAt: grant.expiresAt ? grant.expiresAt.slice(0, 16) : '',
    reason: '',
  });
  const change = useMutation(
    trpc.credits.grants.setExpiry.mutationOptions({
      onSuccess: async () => {
        await refresh();
        onClose();
      },
      onError: (error) => form.setErrors(serverErrors(error, { expiry_in_past: 'expiresAt' })),
    }),
  );
  const submit = () => {
    const checked = check(setGrantExpiryInput, {
      organizationId,
      grantId: grant.id,
      expiresAt: instantOrUndefined(form.values.expiresAt) ?? null,
      reason: form.values.reason,
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    change.mutate(checked.value);
  };
  return (
    <Dialog
      title="Change expiry"
      open
      onClose={onClose}
      onSubmit={submit}
      actions={
        <button type="submit" className="button primary" disabled={change.isPending}>
          {change.isPending ? 'Saving…' : 'Change expiry'}
        </button>
      }
    >
      <TextField
        label="Expires (UTC)"
        type="datetime-local"
        value={form.values.expiresAt}
        onChange={form.set('expiresAt')}
        error={form.errors.expiresAt}
        hint="Leave empty for no expiry."
        autoFocus
      />
      <TextField
        label="Reason"
        value={form.values.reason}
        onChange={form.set('reason')}
        error={form.errors.reason}
      />
      <FormError error={form.errors['']} />
    </Dialog>
  );
}

/** Every block of credits the organization holds or held: grants, allocations, renewals. */
export function Grants({ organization: o }: { organization: Organization }) {
  const [params, update] = useSearch();
  const status = oneOf(params.get('grantStatus'), GRANT_STATUSES);
  const page = pageParam(params.get('grantsPage'));
  // The server pages: only the page shown is fetched, however many blocks the organization has.
  const grants = useQuery(
    trpc.credits.grants.list.queryOptions(
      { organizationId: o.id, page, pageSize: PAGE_SIZE, ...(status ? { status } : {}) },
      { placeholderData: keepPreviousData },
    ),
  );
  const types = useQuery(trpc.credits.types.queryOptions());
  // A monetary credit type counts minor units: its grants read as money.
  const amount = (grant: Grant, credits: number) => {
    const currency = types.data?.creditTypes.find((t) => t.key === grant.creditType)?.currency;
    return currency ? creditsAsMoney(credits, currency) : formatNumber(credits);
  };
  const [action, setAction] = useState<{ kind: 'void' | 'expiry'; grant: Grant } | null>(null);
  const shown = grants.data?.grants ?? [];
  const total = grants.data?.total ?? 0;
  const pageCount = Math.ceil(total / PAGE_SIZE);
  return (
    <section aria-labelledby="grants-title">
      <div className="page-header">
        <h2 id="grants-title">Grants</h2>
        <SelectField
          label="Status"
          value={status ?? ''}
          onChange={(value) => update({ grantStatus: value, grantsPage: null })}
          options={[{ value: '', label: 'Any status' }, ...GRANT_STATUSES]}
        />
      </div>
      {grants.isPending ? (
        <Loading />
      ) : grants.isError ? (
        <ErrorMessage error={grants.error} retry={() => void grants.refetch()} />
      ) : total === 0 ? (
        <Empty>{status ? `No ${status} grants.` : 'No credits granted or allocated yet.'}</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Type</th>
                  <th scope="col" className="numeric">
                    Amount
                  </th>
                  <th scope="col" className="numeric">
                    Remaining
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Reason</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((grant) => (
                  <tr key={grant.id}>
                    <td>{grant.kind}</td>
                    <td>{grant.creditType}</td>
                    <td className="numeric">{amount(grant, grant.amount)}</td>
                    <td className="numeric">{amount(grant, grant.remaining)}</td>
                    <td>
                      <StatusBadge status={grant.status} />
                    </td>
                    <td>{grant.expiresAt ? formatDateTime(grant.expiresAt) : 'never'}</td>
                    <td>{grant.reason ?? '—'}</td>
                    <td>
                      {changeable(grant) && (
                        <div className="actions">
                          <button
                            type="button"
                            className="button small"
                            onClick={() => setAction({ kind: 'expiry', grant })}
                            aria-label={`Change expiry of the ${grant.kind} grant of ${grant.amount}`}
                          >
                            Expiry
                          </button>
                          <button
                            type="button"
                            className="button small"
                            onClick={() => setAction({ kind: 'void', grant })}
                            aria-label={`Void the ${grant.kind} grant of ${grant.amount}`}
                          >
                            Void
                          </button>
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={page}
            pageCount={pageCount}
            onPage={(next) => update({ grantsPage: next === 1 ? null : next })}
            label="Grant pages"
          />
        </>
      )}
      {action?.kind === 'void' && (
        <VoidDialog organizationId={o.id} grant={action.grant} onClose={() => setAction(null)} />
      )}
      {action?.kind === 'expiry' && (
        <ExpiryDialog organizationId={o.id} grant={action.grant} onClose={() => setAction(null)} />
      )}
    </section>
  );
}
