import { setOrganizationBillingProfileInput, type BillingProfile } from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { FormError, TextField } from '../../components/field.tsx';
import { ErrorMessage, Loading } from '../../components/states.tsx';
import { check, serverErrors, useForm } from '../../forms.ts';
import { queryClient, trpc } from '../../trpc.ts';
import type { TabProps } from './page.tsx';

const orNull = (value: string) => (value.trim() === '' ? null : value.trim());

/** Field names are the input's paths (`address.city`), so the contract's errors land on them. */
function ProfileForm({
  organizationId,
  profile,
  name,
}: {
  organizationId: string;
  profile: BillingProfile | null;
  name: string;
}) {
  const form = useForm({
    legalName: profile?.legalName ?? '',
    billingEmail: profile?.billingEmail ?? '',
    'address.line1': profile?.address.line1 ?? '',
    'address.line2': profile?.address.line2 ?? '',
    'address.city': profile?.address.city ?? '',
    'address.region': profile?.address.region ?? '',
    'address.postalCode': profile?.address.postalCode ?? '',
    'address.country': profile?.address.country ?? '',
    taxId: profile?.taxId ?? '',
  });
  const save = useMutation(
    trpc.clientBilling.setBillingProfile.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(),
      onError: (error) => form.setErrors(serverErrors(error)),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const v = form.values;
    const checked = check(setOrganizationBillingProfileInput, {
      organizationId,
      legalName: v.legalName,
      billingEmail: v.billingEmail.trim(),
      address: {
        line1: v['address.line1'],
        line2: orNull(v['address.line2']),
        city: v['address.city'],
        region: orNull(v['address.region']),
        postalCode: orNull(v['address.postalCode']),
        country: v['address.country'].trim().toUpperCase(),
      },
      taxId: orNull(v.taxId),
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    save.mutate(checked.value);
  };
  const field = (key: keyof typeof form.values, label: string, hint?: string) => (
    <TextField
      label={label}
      value={form.values[key]}
      onChange={form.set(key)}
      error={form.errors[key]}
      hint={hint}
    />
  );
  return (
    <form onSubmit={submit} noValidate aria-label="Billing profile">
      <p className="muted">
        {profile
          ? 'Invoices already issued keep the profile they showed.'
          : `Not set: invoices are addressed to ${name}.`}
      </p>
      <div className="grid-2">
        {field('legalName', 'Legal name')}
        <TextField
          label="Billing email"
          type="email"
          value={form.values.billingEmail}
          onChange={form.set('billingEmail')}
          error={form.errors.billingEmail}
        />
        {field('address.line1', 'Address')}
        {field('address.line2', 'Address, second line (optional)')}
        {field('address.city', 'City')}
        {field('address.region', 'Region (optional)', 'State, province or county')}
        {field('address.postalCode', 'Postal code (optional)')}
        {field('address.country', 'Country', 'Two letters, e.g. US, DE')}
        {field('taxId', 'Tax id (optional)', 'VAT or other tax number')}
      </div>
      <FormError error={form.errors['']} />
      <button type="submit" className="button primary" disabled={save.isPending}>
        {save.isPending ? 'Saving…' : save.isSuccess ? 'Saved' : 'Save profile'}
      </button>
    </form>
  );
}

/** Who the organization's invoices are addressed to. */
export function BillingProfileCard({ organization: o }: TabProps) {
  const profile = useQuery(
    trpc.clientBilling.getBillingProfile.queryOptions({ organizationId: o.id }),
  );
  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">Billing profile</h2>
      {profile.isPending ? (
        <Loading />
      ) : profile.isError ? (
        <ErrorMessage error={profile.error} retry={() => void profile.refetch()} />
      ) : (
        <ProfileForm organizationId={o.id} profile={profile.data.billingProfile} name={o.name} />
      )}
    </section>
  );
}
