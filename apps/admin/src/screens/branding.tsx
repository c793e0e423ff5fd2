import { setBrandingInput, type Branding } from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { BrandPreview } from '../components/brand-preview.tsx';
import { FormError, TextField } from '../components/field.tsx';
import { ErrorMessage, Loading } from '../components/states.tsx';
import { check, serverErrors, useForm } from '../forms.ts';
import { useSession } from '../session.tsx';
import { queryClient, trpc } from '../trpc.ts';

const orNull = (value: string) => (value.trim() === '' ? null : value.trim());

function BrandingForm({ branding }: { branding: Branding | null }) {
  const session = useSession();
  const form = useForm({
    displayName: branding?.displayName ?? session.partner.name,
    logoUrl: branding?.logoUrl ?? '',
    primaryColor: branding?.primaryColor ?? '',
    invoicePrefix: branding?.invoicePrefix ?? 'INV-',
    supportEmail: branding?.supportEmail ?? '',
    footer: branding?.footer ?? '',
  });
  const save = useMutation(
    trpc.clientBilling.setBranding.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(),
      onError: (error) => form.setErrors(serverErrors(error)),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const v = form.values;
    const checked = check(setBrandingInput, {
      displayName: v.displayName,
      logoUrl: orNull(v.logoUrl),
      primaryColor: orNull(v.primaryColor),
      invoicePrefix: v.invoicePrefix.trim(),
      supportEmail: orNull(v.supportEmail),
      footer: orNull(v.footer),
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    save.mutate(checked.value);
  };
  return (
    <div className="two-columns">
      <form className="card" onSubmit={submit} noValidate aria-labelledby="branding-title">
        <h2 id="branding-title">Your brand</h2>
        <TextField
          label="Display name"
          value={form.values.displayName}
          onChange={form.set('displayName')}
          error={form.errors.displayName}
          hint="The issuer your organizations see."
        />
        <TextField
          label="Logo URL (optional)"
          type="url"
          value={form.values.logoUrl}
          onChange={form.set('logoUrl')}
          error={form.errors.logoUrl}
          placeholder="https://"
          hint="An https address of the image."
        />
        <div className="grid-2">
          <TextField
            label="Primary color (optional)"
            value={form.values.primaryColor}
            onChange={form.set('primaryColor')}
            error={form.errors.primaryColor}
            placeholder="#1f6feb"
            hint="A hex color, #rrggbb."
          />
          <TextField
            label="Invoice prefix"
            value={form.values.invoicePrefix}
            onChange={form.set('invoicePrefix')}
            error={form.errors.invoicePrefix}
            hint="Up to 12 of A–Z, 0–9, - _ /. Numbering goes on across a change."
          />
        </div>
        <TextField
          label="Support email (optional)"
          type="email"
          value={form.values.supportEmail}
          onChange={form.set('supportEmail')}
          error={form.errors.supportEmail}
        />
        <TextField
          label="Footer (optional)"
          value={form.values.footer}
          onChange={form.set('footer')}
          error={form.errors.footer}
          hint="Printed on every invoice: payment details, registration, a thank-you."
        />
        <FormError error={form.errors['']} />
        <button type="submit" className="button primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : save.isSuccess ? 'Saved' : 'Save branding'}
        </button>
      </form>
      <section className="card" aria-labelledby="preview-title">
        <h2 id="preview-title">Preview</h2>
        <BrandPreview brand={form.values} fallbackName={session.partner.name} />
        <p className="muted">
          Issued invoices keep the brand they were issued with; a change applies to the next.
        </p>
      </section>
    </div>
  );
}

/** The partner's brand on the invoices and PDFs its organizations receive. */
export default function BrandingScreen() {
  const branding = useQuery(trpc.clientBilling.getBranding.queryOptions());
  return (
    <>
      <div className="page-header">
        <h1>Branding</h1>
      </div>
      <p className="muted">
        Your name, logo and colors on every invoice to your organizations, instead of the
        platform&apos;s.
      </p>
      {branding.isPending ? (
        <Loading />
      ) : branding.isError ? (
        <ErrorMessage error={branding.error} retry={() => void branding.refetch()} />
      ) : (
        <BrandingForm branding={branding.data.branding} />
      )}
    </>
  );
}
