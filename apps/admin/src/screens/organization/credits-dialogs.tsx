import { setOrganizationCreditsInput, type Organization } from '@allot/domain';
import { useMutation } from '@tanstack/react-query';
import { Dialog } from '../../components/dialog.tsx';
import { FormError, TextField } from '../../components/field.tsx';
import { PoolHint } from '../../components/pool-hint.tsx';
import { formatNumber } from '../../format.ts';
import { check, numberOrUndefined, serverErrors, useForm } from '../../forms.ts';
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
