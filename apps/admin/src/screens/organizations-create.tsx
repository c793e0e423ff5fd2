import { createOrganizationInput, PRODUCT_TYPES, TIERS, type Tier } from '@allot/domain';
import { useMutation } from '@tanstack/react-query';
import { Dialog } from '../components/dialog.tsx';
import { FormError, SelectField, TextField } from '../components/field.tsx';
import { PoolHint } from '../components/pool-hint.tsx';
import { check, numberOrUndefined, serverErrors, useForm } from '../forms.ts';
import { navigate } from '../router.tsx';
import { queryClient, trpc } from '../trpc.ts';

/** Where a refusal of this form belongs. */
const fieldOf = {
  insufficient_pool_credits: 'initialCredits',
  trial_cap_exceeded: 'initialCredits',
  external_id_taken: 'externalId',
};

export function CreateOrganizationDialog({
  open,
  onClose,
}: {
  open: boolean;
  onClose: () => void;
}) {
  const form = useForm({
    name: '',
    externalId: '',
    tier: 'trial',
    productType: 'B2B',
    initialCredits: '',
    creditAllowance: '',
  });
  const create = useMutation(
    trpc.organizations.create.mutationOptions({
      onSuccess: async ({ organization }) => {
        await queryClient.invalidateQueries();
        form.reset();
        onClose();
        navigate(`/organizations/${organization.id}`);
      },
      onError: (error) => form.setErrors(serverErrors(error, fieldOf)),
    }),
  );
  const submit = () => {
    const { values } = form;
    const checked = check(createOrganizationInput, {
      name: values.name,
      externalId: values.externalId.trim() || undefined,
      tier: values.tier,
      productType: values.productType,
      initialCredits: numberOrUndefined(values.initialCredits),
      creditAllowance: numberOrUndefined(values.creditAllowance),
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    create.mutate(checked.value);
  };
  const close = () => {
    form.reset();
    onClose();
  };
  return (
    <Dialog
      title="New organization"
      open={open}
      onClose={close}
      onSubmit={submit}
      actions={
        <button type="submit" className="button primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create'}
        </button>
      }
    >
      <TextField
        label="Name"
        value={form.values.name}
        onChange={form.set('name')}
        error={form.errors.name}
        autoFocus
      />
      <TextField
        label="External id (optional)"
        value={form.values.externalId}
        onChange={form.set('externalId')}
        error={form.errors.externalId}
        hint="Your own id for this client; unique among your organizations."
      />
      <div className="grid-2">
        <SelectField
          label="Tier"
          value={form.values.tier}
          onChange={form.set('tier')}
          options={TIERS}
          error={form.errors.tier}
        />
        <SelectField
          label="Product type"
          value={form.values.productType}
          onChange={form.set('productType')}
          options={PRODUCT_TYPES}
          error={form.errors.productType}
        />
        <TextField
          label="Initial credits"
          inputMode="numeric"
          value={form.values.initialCredits}
          onChange={form.set('initialCredits')}
          error={form.errors.initialCredits}
        />
        <TextField
          label="Allowance per period"
          inputMode="numeric"
          value={form.values.creditAllowance}
          onChange={form.set('creditAllowance')}
          error={form.errors.creditAllowance}
          hint="Default: the initial credits"
        />
      </div>
      <PoolHint tier={form.values.tier as Tier} />
      <FormError error={form.errors['']} />
    </Dialog>
  );
}
