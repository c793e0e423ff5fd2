import type { FormEvent } from 'react';
import { metadataSchema, PRODUCT_TYPES, updateOrganizationInput } from '@allot/domain';
import { useMutation } from '@tanstack/react-query';
import { Confirm } from '../../components/dialog.tsx';
import { FormError, SelectField, TextField } from '../../components/field.tsx';
import { check, serverErrors, useForm } from '../../forms.ts';
import { formatDateTime, formatNumber, formatPeriod } from '../../format.ts';
import { navigate } from '../../router.tsx';
import { queryClient, trpc } from '../../trpc.ts';
import type { TabProps } from './page.tsx';

const refresh = () => queryClient.invalidateQueries();

function Details({ organization: o }: TabProps) {
  const form = useForm({
    name: o.name,
    externalId: o.externalId ?? '',
    productType: o.productType,
    metadata: JSON.stringify(o.metadata, null, 2),
  });
  const update = useMutation(
    trpc.organizations.update.mutationOptions({
      onSuccess: refresh,
      onError: (error) => form.setErrors(serverErrors(error, { external_id_taken: 'externalId' })),
    }),
  );
  const save = (event: FormEvent) => {
    event.preventDefault();
    let metadata: unknown;
    try {
      metadata = JSON.parse(form.values.metadata || '{}');
    } catch {
      return form.setErrors({ metadata: 'Not valid JSON' });
    }
    const flat = check(metadataSchema, metadata);
    if (!flat.ok)
      return form.setErrors({
        metadata: Object.values(flat.errors)[0] ?? 'Flat key-value pairs only',
      });
    const checked = check(updateOrganizationInput, {
      organizationId: o.id,
      name: form.values.name,
      externalId: form.values.externalId.trim() || null,
      productType: form.values.productType,
      metadata,
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    update.mutate(checked.value);
  };
  return (
    <form className="card" onSubmit={save} noValidate aria-labelledby="details-title">
      <h2 id="details-title">Details</h2>
      <TextField
        label="Name"
        value={form.values.name}
        onChange={form.set('name')}
        error={form.errors.name}
      />
      <TextField
        label="External id"
        value={form.values.externalId}
        onChange={form.set('externalId')}
        error={form.errors.externalId}
      />
      <SelectField
        label="Product type"
        value={form.values.productType}
        onChange={form.set('productType')}
        options={PRODUCT_TYPES}
        hint="B2B identifies companies; B2C identifies people."
      />
      <div className={`field${form.errors.metadata ? ' field-invalid' : ''}`}>
        <label htmlFor="metadata">Metadata (JSON)</label>
        <textarea
          id="metadata"
          value={form.values.metadata}
          onChange={(event) => form.set('metadata')(event.target.value)}
          aria-invalid={form.errors.metadata ? true : undefined}
          aria-describedby={form.errors.metadata ? 'metadata-error' : undefined}
          spellCheck={false}
        />
        {form.errors.metadata && (
          <p className="field-error" id="metadata-error">
            {form.errors.metadata}
          </p>
        )}
      </div>
      <FormError error={form.errors['']} />
      <button type="submit" className="button primary" disabled={update.isPending}>
        {update.isPending ? 'Saving…' : update.isSuccess ? 'Saved' : 'Save'}
      </button>
    </form>
  );
}

/** The organization at a glance, its details, and switching it off or deleting it. */
export default function Overview({ organization: o }: TabProps) {
  const setStatus = useMutation(
    trpc.organizations.setStatus.mutationOptions({ onSuccess: refresh }),
  );
  const remove = useMutation(trpc.organizations.remove.mutationOptions());
  const active = o.status === 'active';
  return (
    <div className="two-columns">
      <div>
        <section className="card" aria-labelledby="facts-title">
          <h2 id="facts-title">Overview</h2>
          <dl className="facts">
            <dt>Status</dt>
            <dd>{o.status}</dd>
            <dt>Tier</dt>
            <dd>{o.tier}</dd>
            <dt>Product type</dt>
            <dd>{o.productType}</dd>
            <dt>External id</dt>
            <dd>{o.externalId ?? '—'}</dd>
            <dt>Current period</dt>
            <dd>{formatPeriod(o.currentPeriod)}</dd>
            <dt>Credits this period</dt>
            <dd>
              {formatNumber(o.credits)} allocated · {formatNumber(o.creditsUsed)} used ·{' '}
              {formatNumber(o.creditsRemaining)} remaining
            </dd>
            <dt>Organization id</dt>
            <dd>
              <code>{o.id}</code>
            </dd>
            <dt>Created</dt>
            <dd>{formatDateTime(o.createdAt)}</dd>
            <dt>Metadata</dt>
            <dd>
              {Object.keys(o.metadata).length === 0 ? (
                <span className="muted">none</span>
              ) : (
                Object.entries(o.metadata).map(([key, value]) => (
                  <div key={key}>
                    <code>{key}</code>: {String(value)}
                  </div>
                ))
              )}
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="switch-title" style={{ marginTop: 16 }}>
          <h2 id="switch-title">Availability</h2>
          <p className="muted">
            A disabled organization's pixel answers an empty script and its events are refused.
            Nothing is deleted.
          </p>
          <div className="actions">
            {active ? (
              <Confirm
                title={`Disable ${o.name}?`}
                confirmLabel="Disable"
                onConfirm={() => setStatus.mutateAsync({ organizationId: o.id, enabled: false })}
                trigger={(open) => (
                  <button type="button" className="button" onClick={open}>
                    Disable
                  </button>
                )}
              >
                <p>Its pixel stops identifying visitors until it is enabled again.</p>
              </Confirm>
            ) : (
              <button
                type="button"
                className="button"
                onClick={() => setStatus.mutate({ organizationId: o.id, enabled: true })}
                disabled={setStatus.isPending}
              >
                Enable
              </button>
            )}
            {o.status !== 'canceled' && (
              <Confirm
                title={`Delete ${o.name}?`}
                confirmLabel="Delete"
                onConfirm={async () => {
                  await remove.mutateAsync({ organizationId: o.id });
                  await refresh();
                  navigate('/organizations');
                }}
                trigger={(open) => (
                  <button type="button" className="button danger" onClick={open}>
                    Delete
                  </button>
                )}
              >
                <p>
                  The organization is canceled: its pixel stops and it no longer counts as active.
                  Its history (visitors, ledger) is kept.
                </p>
              </Confirm>
            )}
          </div>
        </section>
      </div>
      <Details key={o.updatedAt} organization={o} />
    </div>
  );
}
