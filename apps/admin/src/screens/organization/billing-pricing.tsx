import { setOrganizationPricingInput } from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { FormError } from '../../components/field.tsx';
import {
  PricingFields,
  pricingInput,
  pricingValues,
  type Prices,
} from '../../components/pricing-fields.tsx';
import { ErrorMessage, Loading } from '../../components/states.tsx';
import { check, serverErrors, useForm } from '../../forms.ts';
import { formatMoney, formatRate } from '../../money.ts';
import { Link } from '../../router.tsx';
import { queryClient, trpc } from '../../trpc.ts';
import type { TabProps } from './page.tsx';

/** The prices this organization is invoiced at, in a line. */
function Effective({ pricing }: { pricing: Omit<Prices, 'updatedAt'> | null }) {
  if (!pricing)
    return <p className="muted">Not priced: it is not invoiced until prices are set.</p>;
  const price = (value: string | null, per: string) =>
    value === null ? null : `${formatMoney(value, pricing.currency)} ${per}`;
  const prices = [
    price(pricing.periodFee, 'per period'),
    price(pricing.overageUnitPrice, 'per overage credit'),
    price(pricing.creditUnitPrice, 'per purchased credit'),
  ].filter(Boolean);
  return (
    <p>
      Invoiced in <strong>{pricing.currency}</strong>:{' '}
      {prices.length > 0 ? prices.join(', ') : 'no prices'}; tax {formatRate(pricing.taxRate)};{' '}
      {pricing.paymentTermsDays === 0 ? 'due on issue' : `${pricing.paymentTermsDays} days to pay`}.
    </p>
  );
}

function OverrideForm({
  organizationId,
  override,
  inherited,
}: {
  organizationId: string;
  override: Partial<Record<keyof Prices, string | number | null>> | null;
  inherited: Prices | null;
}) {
  const form = useForm(pricingValues(override ?? {}));
  const save = useMutation(
    trpc.clientBilling.setOrganizationPricing.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(),
      onError: (error) => form.setErrors(serverErrors(error)),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = check(setOrganizationPricingInput, {
      organizationId,
      ...pricingInput(form.values),
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    save.mutate(checked.value);
  };
  return (
    <form onSubmit={submit} noValidate aria-label="Organization prices">
      <PricingFields
        values={form.values}
        errors={form.errors}
        set={form.set}
        inherited={inherited}
      />
      <FormError error={form.errors['']} />
      <button type="submit" className="button primary" disabled={save.isPending}>
        {save.isPending ? 'Saving…' : save.isSuccess ? 'Saved' : 'Save prices'}
      </button>
    </form>
  );
}

/** The organization's own prices over the partner's defaults, and what that comes to. */
export function OrganizationPricing({ organization: o }: TabProps) {
  const own = useQuery(
    trpc.clientBilling.getOrganizationPricing.queryOptions({ organizationId: o.id }),
  );
  const defaults = useQuery(trpc.clientBilling.getPricing.queryOptions());
  return (
    <section className="card" aria-labelledby="org-pricing-title">
      <h2 id="org-pricing-title">Prices</h2>
      {own.isPending || defaults.isPending ? (
        <Loading />
      ) : own.isError ? (
        <ErrorMessage error={own.error} retry={() => void own.refetch()} />
      ) : defaults.isError ? (
        <ErrorMessage error={defaults.error} retry={() => void defaults.refetch()} />
      ) : (
        <>
          <Effective pricing={own.data.pricing} />
          <p className="muted">
            Each field left empty inherits your <Link to="/pricing">default prices</Link>.
          </p>
          <OverrideForm
            organizationId={o.id}
            override={own.data.override}
            inherited={defaults.data.pricing}
          />
        </>
      )}
    </section>
  );
}
