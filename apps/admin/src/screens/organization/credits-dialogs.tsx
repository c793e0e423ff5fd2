import {
  createGrantInput,
  DEFAULT_CREDIT_TYPE,
  GRANT_KINDS,
  setOrganizationCreditsInput,
  type Organization,
} from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Dialog } from '../../components/dialog.tsx';
import { FormError, SelectField, TextField } from '../../components/field.tsx';
import { PoolHint } from '../../components/pool-hint.tsx';
import { formatNumber } from '../../format.ts';
import {
  check,
  instantOrUndefined,
  numberOrUndefined,
  serverErrors,
  useForm,
} from '../../forms.ts';
import { queryClient, trpc } from '../../trpc.ts';

interface DialogProps {
  organization: Organization;
  open: boolean;
  onClose: () => void;
}

const refresh = () => queryClient.invalidateQueries();

/** Sets this period's allocation: a raise draws from the pool, a cut returns what is unspent. */
export function AllocateDialog({ organization: o, open, onClose }: DialogProps) {
  const form = useForm({ credits: String(o.credits) });
  const allocate = useMutation(
    trpc.organizations.setCredits.mutationOptions({
      onSuccess: async () => {
        await refresh();
        onClose();
      },
      onError: (error) =>
        form.setErrors(
          serverErrors(error, {
            insufficient_pool_credits: 'credits',
            trial_cap_exceeded: 'credits',
            below_consumed: 'credits',
          }),
        ),
    }),
  );
  const submit = () => {
    const checked = check(setOrganizationCreditsInput, {
      organizationId: o.id,
      credits: numberOrUndefined(form.values.credits),
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    allocate.mutate(checked.value);
  };
  return (
    <Dialog
      title="Set allocation"
      open={open}
      onClose={() => {
        form.reset();
        onClose();
      }}
      onSubmit={submit}
      actions={
        <button type="submit" className="button primary" disabled={allocate.isPending}>
          {allocate.isPending ? 'Saving…' : 'Set allocation'}
        </button>
      }
    >
      <p>
        Allocated this period: <strong>{formatNumber(o.credits)}</strong>, of which{' '}
        {formatNumber(o.creditsUsed)} used.
      </p>
      <TextField
        label="Credits this period"
        inputMode="numeric"
        value={form.values.credits}
        onChange={form.set('credits')}
        error={form.errors.credits}
        autoFocus
      />
      <PoolHint tier={o.tier} held={o.credits} />
      <FormError error={form.errors['']} />
    </Dialog>
  );
}

/** Grants credits by hand (promotional, compensation, purchased), with an audit reason. */
export function GrantDialog({
  organization: o,
  open,
  onClose,
  held,
}: DialogProps & { held: number }) {
  const types = useQuery(trpc.credits.types.queryOptions());
  const form = useForm({
    amount: '',
    kind: 'promotional',
    creditType: DEFAULT_CREDIT_TYPE,
    expiresAt: '',
    priority: '',
    costBasis: '',
    reason: '',
  });
  const grant = useMutation(
    trpc.credits.grants.create.mutationOptions({
      onSuccess: async () => {
        await refresh();
        form.reset();
        onClose();
      },
      onError: (error) =>
        form.setErrors(
          serverErrors(error, {
            insufficient_pool_credits: 'amount',
            trial_cap_exceeded: 'amount',
            expiry_in_past: 'expiresAt',
          }),
        ),
    }),
  );
  const submit = () => {
    const v = form.values;
    const checked = check(createGrantInput, {
      organizationId: o.id,
      amount: numberOrUndefined(v.amount),
      kind: v.kind,
      creditType: v.creditType,
      expiresAt: instantOrUndefined(v.expiresAt),
      priority: numberOrUndefined(v.priority),
      costBasis: v.costBasis.trim() || undefined,
      reason: v.reason,
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    grant.mutate(checked.value);
  };
  return (
    <Dialog
      title="Grant credits"
      open={open}
      onClose={() => {
        form.reset();
        onClose();
      }}
      onSubmit={submit}
      actions={
        <button type="submit" className="button primary" disabled={grant.isPending}>
          {grant.isPending ? 'Granting…' : 'Grant'}
        </button>
      }
    >
      <div className="grid-2">
        <TextField
          label="Amount"
          inputMode="numeric"
          value={form.values.amount}
          onChange={form.set('amount')}
          error={form.errors.amount}
          autoFocus
        />
        <SelectField
          label="Kind"
          value={form.values.kind}
          onChange={form.set('kind')}
          options={GRANT_KINDS}
          error={form.errors.kind}
        />
        <SelectField
          label="Credit type"
          value={form.values.creditType}
          onChange={form.set('creditType')}
          options={
            types.data?.creditTypes.map((type) => ({ value: type.key, label: type.name })) ?? [
              DEFAULT_CREDIT_TYPE,
            ]
          }
          error={form.errors.creditType}
        />
        <TextField
          label="Expires (UTC, optional)"
          type="datetime-local"
          value={form.values.expiresAt}
          onChange={form.set('expiresAt')}
          error={form.errors.expiresAt}
        />
        <TextField
          label="Priority (optional)"
          inputMode="numeric"
          value={form.values.priority}
          onChange={form.set('priority')}
          error={form.errors.priority}
          hint="Lower burns first; default 50"
        />
        <TextField
          label="Cost per credit (optional)"
          inputMode="decimal"
          value={form.values.costBasis}
          onChange={form.set('costBasis')}
          error={form.errors.costBasis}
          placeholder="0.04"
        />
      </div>
      <TextField
        label="Reason"
        value={form.values.reason}
        onChange={form.set('reason')}
        error={form.errors.reason}
        hint="Kept in the ledger for the audit trail."
      />
      {form.values.creditType === DEFAULT_CREDIT_TYPE && <PoolHint tier={o.tier} held={held} />}
      <FormError error={form.errors['']} />
    </Dialog>
  );
}
