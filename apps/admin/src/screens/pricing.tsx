import { DEFAULT_PAYMENT_TERMS_DAYS, setClientPricingInput } from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { FormError } from '../components/field.tsx';
import {
  PricingFields,
  pricingInput,
  pricingValues,
  type Prices,
} from '../components/pricing-fields.tsx';
import { ErrorMessage, Loading } from '../components/states.tsx';
import { formatDateTime } from '../format.ts';
import { check, serverErrors, useForm } from '../forms.ts';
import { Link } from '../router.tsx';
import { queryClient, trpc } from '../trpc.ts';

function PricingForm({ pricing }: { pricing: (Prices & { updatedAt: string }) | null }) {
  const form = useForm(
    pricing
      ? pricingValues(pricing)
      : pricingValues({
          currency: 'USD',
          paymentTermsDays: DEFAULT_PAYMENT_TERMS_DAYS,
          taxRate: '0',
        }),
  );
  const save = useMutation(
    trpc.clientBilling.setPricing.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(),
      onError: (error) => form.setErrors(serverErrors(error)),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = pricingInput(form.values);
    const checked = check(setClientPricingInput, {
      ...input,
      currency: input.currency ?? undefined,
      paymentTermsDays: input.paymentTermsDays ?? undefined,
      taxRate: input.taxRate ?? undefined,
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    save.mutate(checked.value);
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="pricing-title">
      <h2 id="pricing-title">Default prices</h2>
      <p className="muted">
        {pricing
          ? `Last changed ${formatDateTime(pricing.updatedAt)}. Prices apply to the periods that start after they are set; issued invoices keep theirs.`
          : 'Not set: your organizations are not invoiced until you set prices here or on an organization.'}
      </p>
      <PricingFields values={form.values} errors={form.errors} set={form.set} />
      <FormError error={form.errors['']} />
      <button type="submit" className="button primary" disabled={save.isPending}>
        {save.isPending ? 'Saving…' : save.isSuccess ? 'Saved' : 'Save prices'}
      </button>
    </form>
  );
}

/** What the partner charges its organizations by default; each organization may override it. */
export default function PricingScreen() {
  const pricing = useQuery(trpc.clientBilling.getPricing.queryOptions());
  return (
    <>
      <div className="page-header">
        <h1>Pricing</h1>
      </div>
      <p className="muted">
        What you charge your organizations, in your <Link to="/branding">brand</Link>. An
        organization&apos;s own prices, in its Billing tab, override these field by field. Credits
        granted free cost nothing.
      </p>
      {pricing.isPending ? (
        <Loading />
      ) : pricing.isError ? (
        <ErrorMessage error={pricing.error} retry={() => void pricing.refetch()} />
      ) : (
        <div className="narrow">
          <PricingForm pricing={pricing.data.pricing} />
        </div>
      )}
    </>
  );
}
