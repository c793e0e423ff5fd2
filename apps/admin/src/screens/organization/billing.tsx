import {
  ANOMALY_PREFIX,
  BILLING_PERIODS,
  setOrganizationBillingInput,
  TIERS,
  TRIAL_CREDIT_CAP,
} from '@allot/domain';
import { useMutation } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { FormError, SelectField, TextField } from '../../components/field.tsx';
import { formatNumber, formatPeriod } from '../../format.ts';
import { check, numberOrNull, numberOrUndefined, serverErrors, useForm } from '../../forms.ts';
import { queryClient, trpc } from '../../trpc.ts';
import { OrganizationInvoices } from './billing-invoices.tsx';
import { OrganizationPricing } from './billing-pricing.tsx';
import { BillingProfileCard } from './billing-profile.tsx';
import type { TabProps } from './page.tsx';

const refresh = () => queryClient.invalidateQueries();

const shown = (value: number | null) => (value === null ? '' : String(value));

/**
 * The guards on what the organization's pixel may charge: caps per period and day, and the
 * anomaly ceiling per network and hour. Field names are the input's paths, so the contract's
 * errors land on their fields.
 */
function Guards({ organization: o }: TabProps) {
  const form = useForm({
    'identificationCap.perPeriod': shown(o.identificationCap.perPeriod),
    'identificationCap.perDay': shown(o.identificationCap.perDay),
    anomalyThreshold: shown(o.anomalyThreshold),
  });
  const save = useMutation(
    trpc.organizations.setBilling.mutationOptions({
      onSuccess: refresh,
      onError: (error) => form.setErrors(serverErrors(error)),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = check(setOrganizationBillingInput, {
      organizationId: o.id,
      identificationCap: {
        perPeriod: numberOrNull(form.values['identificationCap.perPeriod']),
        perDay: numberOrNull(form.values['identificationCap.perDay']),
      },
      anomalyThreshold: numberOrNull(form.values.anomalyThreshold),
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    save.mutate(checked.value);
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="guards-title">
      <h2 id="guards-title">Spending guards</h2>
      <p>Past a guard, visits are still recorded, unidentified, and cost nothing.</p>
      <div className="grid-2">
        <TextField
          label="Identifications per period"
          inputMode="numeric"
          value={form.values['identificationCap.perPeriod']}
          onChange={form.set('identificationCap.perPeriod')}
          error={form.errors['identificationCap.perPeriod']}
          hint="Empty: no cap."
        />
        <TextField
          label="Identifications per day"
          inputMode="numeric"
          value={form.values['identificationCap.perDay']}
          onChange={form.set('identificationCap.perDay')}
          error={form.errors['identificationCap.perDay']}
          hint="UTC days. Empty: no cap."
        />
      </div>
      <TextField
        label="New identifications per network and hour"
        inputMode="numeric"
        value={form.values.anomalyThreshold}
        onChange={form.set('anomalyThreshold')}
        error={form.errors.anomalyThreshold}
        hint={`From one /${ANOMALY_PREFIX.ipv4} (IPv4) or /${ANOMALY_PREFIX.ipv6} (IPv6) network. Empty: no limit.`}
      />
      <FormError error={form.errors['']} />
      <button type="submit" className="button primary" disabled={save.isPending}>
        {save.isPending ? 'Saving…' : save.isSuccess ? 'Saved' : 'Save guards'}
      </button>
    </form>
  );
}

/**
 * The organization's own billing cycle, its recurring allowance, its tier and its spending
 * guards; then what the partner invoices it: its prices, who the invoices are addressed to, the
 * upcoming invoice and the ones issued.
 */
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
    <>
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
        <Guards organization={o} />
      </div>
      <section className="invoicing" aria-labelledby="invoicing-title">
        <h2 id="invoicing-title">Invoicing</h2>
        <div className="two-columns even">
          <OrganizationPricing organization={o} />
          <BillingProfileCard organization={o} />
        </div>
        <OrganizationInvoices organization={o} />
      </section>
    </>
  );
}
