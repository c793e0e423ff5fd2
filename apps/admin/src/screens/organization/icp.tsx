import { createIcpProfileInput, type IcpRules } from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Confirm, Dialog } from '../../components/dialog.tsx';
import { FormError, TextField } from '../../components/field.tsx';
import { Empty, ErrorMessage, Loading } from '../../components/states.tsx';
import { formatNumber } from '../../format.ts';
import {
  check,
  errorAt,
  listOrUndefined,
  numberOrUndefined,
  serverErrors,
  useForm,
} from '../../forms.ts';
import type { Outputs } from '../../outputs.ts';
import { queryClient, trpc } from '../../trpc.ts';
import type { TabProps } from './page.tsx';

type Profile = Outputs['icp']['list']['profiles'][number];

const refresh = () => queryClient.invalidateQueries();

const range = (min: string, max: string) => {
  const bounds = { min: numberOrUndefined(min), max: numberOrUndefined(max) };
  return bounds.min === undefined && bounds.max === undefined
    ? undefined
    : Object.fromEntries(Object.entries(bounds).filter(([, v]) => v !== undefined));
};

/** What a profile asks for, in a sentence per rule. */
function describe(rules: IcpRules): string[] {
  const bounds = (r: { min?: number; max?: number }) =>
    r.min !== undefined && r.max !== undefined
      ? `${formatNumber(r.min)}–${formatNumber(r.max)}`
      : r.min !== undefined
        ? `at least ${formatNumber(r.min)}`
        : `at most ${formatNumber(r.max)}`;
  return [
    rules.industries && `Industry: ${rules.industries.join(', ')}`,
    rules.countries && `Country: ${rules.countries.join(', ')}`,
    rules.domains && `Domain: ${rules.domains.join(', ')}`,
    rules.employeeCount && `Employees: ${bounds(rules.employeeCount)}`,
    rules.revenue && `Revenue: ${bounds(rules.revenue)}`,
  ].filter((line): line is string => Boolean(line));
}

function ProfileDialog({
  organizationId,
  profile,
  onClose,
}: {
  organizationId: string;
  profile: Profile | null;
  onClose: () => void;
}) {
  const r = profile?.rules ?? {};
  const form = useForm({
    name: profile?.name ?? '',
    industries: r.industries?.join(', ') ?? '',
    countries: r.countries?.join(', ') ?? '',
    domains: r.domains?.join(', ') ?? '',
    employeesMin: r.employeeCount?.min?.toString() ?? '',
    employeesMax: r.employeeCount?.max?.toString() ?? '',
    revenueMin: r.revenue?.min?.toString() ?? '',
    revenueMax: r.revenue?.max?.toString() ?? '',
  });
  const options = {
    onSuccess: async () => {
      await refresh();
      onClose();
    },
    onError: (error: unknown) => form.setErrors(serverErrors(error)),
  };
  const create = useMutation(trpc.icp.create.mutationOptions(options));
  const update = useMutation(trpc.icp.update.mutationOptions(options));
  const submit = () => {
    const v = form.values;
    const rules = Object.fromEntries(
      Object.entries({
        industries: listOrUndefined(v.industries),
        countries: listOrUndefined(v.countries),
        domains: listOrUndefined(v.domains),
        employeeCount: range(v.employeesMin, v.employeesMax),
        revenue: range(v.revenueMin, v.revenueMax),
      }).filter(([, value]) => value !== undefined),
    );
    const checked = check(createIcpProfileInput, { organizationId, name: v.name, rules });
    if (!checked.ok) return form.setErrors(checked.errors);
    if (profile) update.mutate({ ...checked.value, icpId: profile.id });
    else create.mutate(checked.value);
  };
  const e = form.errors;
  return (
    <Dialog
      title={profile ? `Edit ${profile.name}` : 'New ICP profile'}
      open
      onClose={onClose}
      onSubmit={submit}
      actions={
        <button
          type="submit"
          className="button primary"
          disabled={create.isPending || update.isPending}
        >
          {profile ? 'Save profile' : 'Create profile'}
        </button>
      }
    >
      <p className="muted">
        A visitor matches when every rule filled in holds. Lists are comma-separated.
      </p>
      <TextField
        label="Name"
        value={form.values.name}
        onChange={form.set('name')}
        error={e.name}
        autoFocus
      />
      <TextField
        label="Industries"
        value={form.values.industries}
        onChange={form.set('industries')}
        error={errorAt(e, 'rules.industries')}
        placeholder="Software, Fintech"
      />
      <TextField
        label="Countries"
        value={form.values.countries}
        onChange={form.set('countries')}
        error={errorAt(e, 'rules.countries')}
        placeholder="US, DE"
      />
      <TextField
        label="Company domains"
        value={form.values.domains}
        onChange={form.set('domains')}
        error={errorAt(e, 'rules.domains')}
        placeholder="acme.com"
        hint="Subdomains match too."
      />
      <div className="grid-2">
        <TextField
          label="Employees from"
          inputMode="numeric"
          value={form.values.employeesMin}
          onChange={form.set('employeesMin')}
          error={errorAt(e, 'rules.employeeCount')}
        />
        <TextField
          label="Employees to"
          inputMode="numeric"
          value={form.values.employeesMax}
          onChange={form.set('employeesMax')}
        />
        <TextField
          label="Revenue from"
          inputMode="numeric"
          value={form.values.revenueMin}
          onChange={form.set('revenueMin')}
          error={errorAt(e, 'rules.revenue')}
        />
        <TextField
          label="Revenue to"
          inputMode="numeric"
          value={form.values.revenueMax}
          onChange={form.set('revenueMax')}
        />
      </div>
      <FormError error={e[''] ?? e.rules} />
    </Dialog>
  );
}

/** The organization's ideal customer profiles; a change rematches every visitor. */
export default function Icp({ organization: o }: TabProps) {
  const profiles = useQuery(trpc.icp.list.queryOptions({ organizationId: o.id }));
  const remove = useMutation(trpc.icp.remove.mutationOptions({ onSuccess: refresh }));
  const [editing, setEditing] = useState<Profile | 'new' | null>(null);
  return (
    <>
      <div className="page-header">
        <h2>ICP profiles</h2>
        <button type="button" className="button primary" onClick={() => setEditing('new')}>
          New profile
        </button>
      </div>
      {profiles.isPending ? (
        <Loading />
      ) : profiles.isError ? (
        <ErrorMessage error={profiles.error} retry={() => void profiles.refetch()} />
      ) : profiles.data.profiles.length === 0 ? (
        <Empty>No profiles: visitors are identified but none is marked as a fit.</Empty>
      ) : (
        <div className="cards">
          {profiles.data.profiles.map((profile) => (
            <section className="card" key={profile.id} aria-label={profile.name}>
              <h3>{profile.name}</h3>
              <ul>
                {describe(profile.rules).map((line) => (
                  <li key={line}>{line}</li>
                ))}
                {describe(profile.rules).length === 0 && <li>Every identified company</li>}
              </ul>
              <div className="actions">
                <button type="button" className="button small" onClick={() => setEditing(profile)}>
                  Edit
                </button>
                <Confirm
                  title={`Delete ${profile.name}?`}
                  confirmLabel="Delete"
                  onConfirm={() => remove.mutateAsync({ organizationId: o.id, icpId: profile.id })}
                  trigger={(open) => (
                    <button type="button" className="button small" onClick={open}>
                      Delete
                    </button>
                  )}
                >
                  <p>Visitors no longer show it as a match.</p>
                </Confirm>
              </div>
            </section>
          ))}
        </div>
      )}
      {editing && (
        <ProfileDialog
          organizationId={o.id}
          profile={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </>
  );
}
