import type { ApiKey } from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../components/badge.tsx';
import { CopyButton } from '../components/copy-button.tsx';
import { Confirm, Dialog } from '../components/dialog.tsx';
import { FormError } from '../components/field.tsx';
import { Pager } from '../components/pager.tsx';
import { Empty, ErrorMessage, Loading } from '../components/states.tsx';
import { formatDateTime } from '../format.ts';
import { pageParam } from '../hooks.ts';
import { useSearch } from '../router.tsx';
import { useIsAdmin } from '../session.tsx';
import { errorInfo, queryClient, trpc } from '../trpc.ts';

const PAGE_SIZE = 20;
const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });

function Row({ apiKey: key }: { apiKey: ApiKey }) {
  const revoke = useMutation(trpc.apiKeys.revoke.mutationOptions({ onSuccess: refresh }));
  return (
    <tr>
      <td>
        <code>{key.prefix}…</code>
      </td>
      <td>{formatDateTime(key.createdAt)}</td>
      <td>
        {key.lastUsedAt ? formatDateTime(key.lastUsedAt) : <span className="muted">never</span>}
      </td>
      <td>
        {key.revokedAt ? <Badge tone="bad">revoked</Badge> : <Badge tone="good">active</Badge>}
      </td>
      <td>
        {!key.revokedAt && (
          <Confirm
            title={`Revoke ${key.prefix}…?`}
            confirmLabel="Revoke"
            onConfirm={() => revoke.mutateAsync({ keyId: key.id })}
            trigger={(open) => (
              <button
                type="button"
                className="button small"
                onClick={open}
                aria-label={`Revoke ${key.prefix}`}
              >
                Revoke
              </button>
            )}
          >
            <p>
              Every system using this key is refused from the next request on. This cannot be
              undone.
            </p>
          </Confirm>
        )}
      </td>
    </tr>
  );
}

/** The partner's API keys: listed by prefix and last use, created (shown once) and revoked. */
export default function ApiKeysScreen() {
  const admin = useIsAdmin();
  const [params, update] = useSearch();
  const page = pageParam(params.get('page'));
  const keys = useQuery(trpc.apiKeys.list.queryOptions(undefined, { enabled: admin }));
  const [created, setCreated] = useState<string | null>(null);
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: async ({ apiKey }) => {
        setCreated(apiKey);
        await refresh();
      },
    }),
  );
  if (!admin)
    return (
      <>
        <h1>API keys</h1>
        <p>Only admins manage API keys.</p>
      </>
    );
  const all = keys.data?.apiKeys ?? [];
  return (
    <>
      <div className="page-header">
        <h1>API keys</h1>
        <button
          type="button"
          className="button primary"
          onClick={() => create.mutate()}
          disabled={create.isPending}
        >
          {create.isPending ? 'Creating…' : 'Create API key'}
        </button>
      </div>
      <p className="muted">
        Keys authenticate your systems on the REST and tRPC APIs (<code>X-Partner-API-Key</code>).
        Only a key's first characters are kept in view; the key itself is shown once, when created.
      </p>
      {create.isError && <FormError error={errorInfo(create.error).message} />}
      {keys.isPending ? (
        <Loading />
      ) : keys.isError ? (
        <ErrorMessage error={keys.error} retry={() => void keys.refetch()} />
      ) : all.length === 0 ? (
        <Empty>No API keys.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {all.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((key) => (
                  <Row key={key.id} apiKey={key} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={page}
            pageCount={Math.ceil(all.length / PAGE_SIZE)}
            onPage={(next) => update({ page: next === 1 ? null : next })}
            label="API key pages"
          />
        </>
      )}
      <Dialog title="Your new API key" open={created !== null} onClose={() => setCreated(null)}>
        <p className="notice">Copy it now: it is shown this once and cannot be read again.</p>
        <pre className="secret">
          <code>{created}</code>
        </pre>
        <p className="actions">
          <CopyButton text={created ?? ''} label="Copy key" />
        </p>
      </Dialog>
    </>
  );
}
