import { createUserInput, USER_ROLES, type User } from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../components/badge.tsx';
import { CopyButton } from '../components/copy-button.tsx';
import { Confirm, Dialog } from '../components/dialog.tsx';
import { FormError, SelectField, TextField } from '../components/field.tsx';
import { Pager } from '../components/pager.tsx';
import { Empty, ErrorMessage, Loading } from '../components/states.tsx';
import { formatDateTime } from '../format.ts';
import { check, serverErrors, useForm } from '../forms.ts';
import { pageParam } from '../hooks.ts';
import { useSearch } from '../router.tsx';
import { useIsAdmin, useSession } from '../session.tsx';
import { queryClient, trpc } from '../trpc.ts';

const PAGE_SIZE = 20;
const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });

/** Adds a teammate; the generated password is shown once, to hand over. */
function InviteDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const form = useForm({ email: '', role: 'member' });
  const [created, setCreated] = useState<{ email: string; password: string } | null>(null);
  const invite = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: async ({ user, password }) => {
        setCreated({ email: user.email, password });
        await refresh();
      },
      onError: (error) => form.setErrors(serverErrors(error, { email_taken: 'email' })),
    }),
  );
  const close = () => {
    form.reset();
    setCreated(null);
    onClose();
  };
  if (created)
    return (
      <Dialog title="Teammate added" open={open} onClose={close}>
        <p>
          Give <strong>{created.email}</strong> this password to sign in. It is shown this once.
        </p>
        <pre className="secret">
          <code>{created.password}</code>
        </pre>
        <p className="actions">
          <CopyButton text={created.password} label="Copy password" />
        </p>
      </Dialog>
    );
  const submit = () => {
    const checked = check(createUserInput, form.values);
    if (!checked.ok) return form.setErrors(checked.errors);
    invite.mutate(checked.value);
  };
  return (
    <Dialog
      title="Add a teammate"
      open={open}
      onClose={close}
      onSubmit={submit}
      actions={
        <button type="submit" className="button primary" disabled={invite.isPending}>
          {invite.isPending ? 'Adding…' : 'Add teammate'}
        </button>
      }
    >
      <TextField
        label="Email"
        type="email"
        value={form.values.email}
        onChange={form.set('email')}
        error={form.errors.email}
        autoFocus
      />
      <SelectField
        label="Role"
        value={form.values.role}
        onChange={form.set('role')}
        options={USER_ROLES}
        hint="Admins also manage the team and API keys."
      />
      <FormError error={form.errors['']} />
    </Dialog>
  );
}

function Row({ user, canManage }: { user: User; canManage: boolean }) {
  const disable = useMutation(trpc.users.disable.mutationOptions({ onSuccess: refresh }));
  return (
    <tr>
      <td>{user.email}</td>
      <td>{user.role}</td>
      <td>
        {user.lastLoginAt ? formatDateTime(user.lastLoginAt) : <span className="muted">never</span>}
      </td>
      <td>
        {user.disabledAt ? <Badge tone="bad">disabled</Badge> : <Badge tone="good">active</Badge>}
      </td>
      <td>
        {canManage && !user.disabledAt && (
          <Confirm
            title={`Disable ${user.email}?`}
            confirmLabel="Disable"
            onConfirm={() => disable.mutateAsync({ userId: user.id })}
            trigger={(open) => (
              <button
                type="button"
                className="button small"
                onClick={open}
                aria-label={`Disable ${user.email}`}
              >
                Disable
              </button>
            )}
          >
            <p>They are signed out at once and can no longer sign in.</p>
          </Confirm>
        )}
      </td>
    </tr>
  );
}

/** The partner's people: who can sign in, and (for admins) adding and disabling them. */
export default function TeamScreen() {
  const admin = useIsAdmin();
  const session = useSession();
  const [params, update] = useSearch();
  const page = pageParam(params.get('page'));
  const users = useQuery(trpc.users.list.queryOptions());
  const [inviting, setInviting] = useState(false);
  const all = users.data?.users ?? [];
  return (
    <>
      <div className="page-header">
        <h1>Team</h1>
        {admin && (
          <button type="button" className="button primary" onClick={() => setInviting(true)}>
            Add teammate
          </button>
        )}
      </div>
      {users.isPending ? (
        <Loading />
      ) : users.isError ? (
        <ErrorMessage error={users.error} retry={() => void users.refetch()} />
      ) : all.length === 0 ? (
        <Empty>No users.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {all.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((user) => (
                  <Row key={user.id} user={user} canManage={admin && user.id !== session.user.id} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={page}
            pageCount={Math.ceil(all.length / PAGE_SIZE)}
            onPage={(next) => update({ page: next === 1 ? null : next })}
            label="Team pages"
          />
        </>
      )}
      {admin && <InviteDialog open={inviting} onClose={() => setInviting(false)} />}
    </>
  );
}
