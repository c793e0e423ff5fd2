import {
  BILLING_PERIODS,
  setOrganizationBillingInput,
  TIERS,
  TRIAL_CREDIT_CAP,
} from '@allot/domain';
import { useMutation } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { FormError, SelectField, TextField } from '../../components/field.tsx';
import { formatNumber, formatPeriod } from '../../format.ts';
import { check, numberOrUndefined, serverErrors, useForm } from '../../forms.ts';
import { queryClient, trpc } from '../../trpc.ts';
import type { TabProps } from './page.tsx';

const refresh = () => queryClient.invalidateQueries();

/** The organization's own billing cycle, its recurring allowance, and its tier. */
export default function Billing({ organization: o }: TabProps) {
  const form = useForm({
    billingPeriod: o.billingPeriod,
    billingDayOfMonth: String(o.billingDayOfMonth),
    creditAllowance: String(o.creditAllowance),
  });
  const tier = useForm({ tier: o.tier });
  const save = useMutation(
    trpc.organizations.setBilling.mutationOptions({
      onSuccess: refresh,
      onError: (error) =>
        form.setErrors(serverErrors(error, { trial_cap_exceeded: 'creditAllowance' })),
    }),
  );
  const setTier = useMutation(
    trpc.organizations.setTier.mutationOptions({
      onSuccess: refresh,
      onError: (error) => tier.setErrors(serverErrors(error, { trial_cap_exceeded: 'tier' })),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = check(setOrganizationBillingInput, {
      organizationId: o.id,
      billingPeriod: form.values.billingPeriod,
      billingDayOfMonth: numberOrUndefined(form.values.billingDayOfMonth),
      creditAllowance: numberOrUndefined(form.values.creditAllowance),
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    save.mutate(checked.value);
  };
  return (
    <div className="two-columns">
      <form className="card" onSubmit={submit} noValidate aria-labelledby="cycle-title">
        <h2 id="cycle-title">Billing cycle</h2>
        <p>
          Current period: <strong>{formatPeriod(o.currentPeriod)}</strong> (UTC)
        </p>
        <div className="grid-2">
          <SelectField
            label="Period"
            value={form.values.billingPeriod}
            onChange={form.set('billingPeriod')}
            options={BILLING_PERIODS}
            error={form.errors.billingPeriod}
          />
          <TextField
            label="Billing day (1–28)"
            inputMode="numeric"
            value={form.values.billingDayOfMonth}
            onChange={form.set('billingDayOfMonth')}
            error={form.errors.billingDayOfMonth}
          />
        </div>
        <TextField
          label="Allowance per period"
          inputMode="numeric"
          value={form.values.creditAllowance}
          onChange={form.set('creditAllowance')}
          error={form.errors.creditAllowance}
          hint={`Granted again at every period start. This period: ${formatNumber(o.credits)} allocated.`}
        />
        <FormError error={form.errors['']} />
        <button type="submit" className="button primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : save.isSuccess ? 'Saved' : 'Save billing'}
        </button>
      </form>
      <form
        className="card"
        noValidate
        aria-labelledby="tier-title"
        onSubmit={(event) => {
          event.preventDefault();
          setTier.mutate({ organizationId: o.id, tier: tier.values.tier });
        }}
      >
        <h2 id="tier-title">Tier</h2>
        <SelectField
          label="Tier"
          value={tier.values.tier}
          onChange={tier.set('tier')}
          options={TIERS}
          error={tier.errors.tier}
          hint={`A trial organization holds at most ${formatNumber(TRIAL_CREDIT_CAP)} credits.`}
        />
        <FormError error={tier.errors['']} />
        <button type="submit" className="button primary" disabled={setTier.isPending}>
          Change tier
        </button>
      </form>
    </div>
  );
}
