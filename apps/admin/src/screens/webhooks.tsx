import { createWebhookEndpointInput, EVENT_TYPES, type WebhookEndpoint } from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../components/badge.tsx';
import { CopyButton } from '../components/copy-button.tsx';
import { Confirm, Dialog } from '../components/dialog.tsx';
import { FormError, TextField } from '../components/field.tsx';
import { Pager } from '../components/pager.tsx';
import { Empty, ErrorMessage, Loading } from '../components/states.tsx';
import { formatDateTime } from '../format.ts';
import { check, serverErrors, useForm } from '../forms.ts';
import { pageParam } from '../hooks.ts';
import { Link, useSearch } from '../router.tsx';
import { queryClient, trpc } from '../trpc.ts';
import { Deliveries } from './webhook-deliveries.tsx';

const PAGE_SIZE = 20;
const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.pathKey() });

/** The server's refusals of a URL (scheme, address, resolution) belong next to the URL field. */
const urlCodes = {
  webhook_url_invalid: 'url',
  webhook_url_insecure: 'url',
  webhook_url_private_address: 'url',
  webhook_url_unresolvable: 'url',
};

/** A secret shown this once, after creation or rotation. */
interface Revealed {
  title: string;
  secret: string;
}

function CreateDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (endpoint: WebhookEndpoint, secret: string) => void;
}) {
  const form = useForm({ url: '', description: '' });
  const [types, setTypes] = useState<string[]>([]);
  const close = () => {
    form.reset();
    setTypes([]);
    onClose();
  };
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: async ({ endpoint, secret }) => {
        await refresh();
        close();
        onCreated(endpoint, secret);
      },
      onError: (error) => form.setErrors(serverErrors(error, urlCodes)),
    }),
  );
  const submit = () => {
    const checked = check(createWebhookEndpointInput, {
      url: form.values.url,
      description: form.values.description.trim() || undefined,
      eventTypes: types,
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    create.mutate(checked.value);
  };
  const toggle = (type: string) =>
    setTypes((current) =>
      current.includes(type) ? current.filter((t) => t !== type) : [...current, type],
    );
  return (
    <Dialog
      title="Add a webhook endpoint"
      open={open}
      onClose={close}
      onSubmit={submit}
      actions={
        <button type="submit" className="button primary" disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add endpoint'}
        </button>
      }
    >
      <TextField
        label="URL"
        type="url"
        value={form.values.url}
        onChange={form.set('url')}
        error={form.errors.url}
        placeholder="https://example.com/allot/webhooks"
        hint="https, to a public address."
        autoFocus
      />
      <TextField
        label="Description (optional)"
        value={form.values.description}
        onChange={form.set('description')}
        error={form.errors.description}
      />
      <fieldset className="checks">
        <legend>Event types (none checked: every type)</legend>
        {EVENT_TYPES.map((type) => (
          <label key={type}>
            <input type="checkbox" checked={types.includes(type)} onChange={() => toggle(type)} />
            <code>{type}</code>
          </label>
        ))}
      </fieldset>
      <FormError error={form.errors.eventTypes ?? form.errors['']} />
    </Dialog>
  );
}

function Row({ endpoint: e }: { endpoint: WebhookEndpoint }) {
  return (
    <tr>
      <td>
        <Link to={`/webhooks?endpoint=${e.id}`}>{e.url}</Link>
        {e.description && <div className="muted">{e.description}</div>}
      </td>
      <td>
        {e.eventTypes.length === 0 ? (
          <span className="muted">every event</span>
        ) : (
          e.eventTypes.join(', ')
        )}
      </td>
      <td>
        {e.enabled ? (
          <Badge tone="good">enabled</Badge>
        ) : (
          <>
            <Badge tone={e.disabledReason ? 'bad' : 'neutral'}>disabled</Badge>
            {e.disabledReason && <p className="notice">{e.disabledReason}</p>}
          </>
        )}
      </td>
      <td>{formatDateTime(e.createdAt)}</td>
    </tr>
  );
}

/** One endpoint: its settings and actions, then its delivery log. */
function Detail({
  endpointId,
  onSecret,
}: {
  endpointId: string;
  onSecret: (revealed: Revealed) => void;
}) {
  const [, update] = useSearch();
  const endpoint = useQuery(trpc.webhooks.get.queryOptions({ endpointId }));
  const toggle = useMutation(trpc.webhooks.update.mutationOptions({ onSuccess: refresh }));
  const sendTest = useMutation(trpc.webhooks.test.mutationOptions({ onSuccess: refresh }));
  const rotate = useMutation(
    trpc.webhooks.rotateSecret.mutationOptions({
      onSuccess: async ({ secret }) => {
        await refresh();
        onSecret({ title: 'The new signing secret', secret });
      },
    }),
  );
  const remove = useMutation(
    trpc.webhooks.remove.mutationOptions({
      onSuccess: async () => {
        update({ endpoint: null, cursor: null });
        await refresh();
      },
    }),
  );
  if (endpoint.isPending) return <Loading />;
  if (endpoint.isError)
    return <ErrorMessage error={endpoint.error} retry={() => void endpoint.refetch()} />;
  const e = endpoint.data.endpoint;
  return (
    <section aria-labelledby="endpoint-title">
      <p className="breadcrumb">
        <Link to="/webhooks">All endpoints</Link>
      </p>
      <div className="page-header">
        <h2 id="endpoint-title">{e.url}</h2>
        <p className="actions">
          {e.enabled ? (
            <Badge tone="good">enabled</Badge>
          ) : (
            <Badge tone={e.disabledReason ? 'bad' : 'neutral'}>disabled</Badge>
          )}
        </p>
      </div>
      {e.disabledReason && (
        <p className="notice" role="status">
          Disabled by Allot: {e.disabledReason}. Enable it again to resume the pending deliveries.
        </p>
      )}
      <dl className="facts card">
        <dt>Description</dt>
        <dd>{e.description ?? <span className="muted">none</span>}</dd>
        <dt>Event types</dt>
        <dd>{e.eventTypes.length === 0 ? 'every event type' : e.eventTypes.join(', ')}</dd>
        <dt>Created</dt>
        <dd>{formatDateTime(e.createdAt)}</dd>
      </dl>
      <p className="actions">
        <button
          type="button"
          className="button primary"
          disabled={sendTest.isPending || !e.enabled}
          onClick={() => sendTest.mutate({ endpointId: e.id })}
        >
          {sendTest.isPending ? 'Sending…' : 'Send test'}
        </button>
        <button
          type="button"
          className="button"
          disabled={toggle.isPending}
          onClick={() => toggle.mutate({ endpointId: e.id, enabled: !e.enabled })}
        >
          {e.enabled ? 'Disable' : 'Enable'}
        </button>
        <Confirm
          title="Rotate the signing secret?"
          confirmLabel="Rotate"
          onConfirm={() => rotate.mutateAsync({ endpointId: e.id })}
          trigger={(open) => (
            <button type="button" className="button" onClick={open}>
              Rotate secret
            </button>
          )}
        >
          <p>
            Deliveries are signed with the new secret from now on; your receiver must verify with
            it. The old secret stops working at once.
          </p>
        </Confirm>
        <Confirm
          title="Delete this endpoint?"
          confirmLabel="Delete"
          onConfirm={() => remove.mutateAsync({ endpointId: e.id })}
          trigger={(open) => (
            <button type="button" className="button danger" onClick={open}>
              Delete
            </button>
          )}
        >
          <p>
            Nothing more is sent to <code>{e.url}</code>, and its delivery log is deleted with it.
          </p>
        </Confirm>
      </p>
      <FormError
        error={
          (sendTest.error ?? toggle.error ?? rotate.error ?? remove.error)?.message ?? undefined
        }
      />
      <Deliveries endpointId={e.id} />
    </section>
  );
}

/** Where and what the partner's events are sent: endpoints, their secrets and delivery logs. */
export default function WebhooksScreen() {
  const [params, update] = useSearch();
  const page = pageParam(params.get('page'));
  const selected = params.get('endpoint');
  const list = useQuery(trpc.webhooks.list.queryOptions({ page, pageSize: PAGE_SIZE }));
  const [creating, setCreating] = useState(false);
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  return (
    <>
      <div className="page-header">
        <h1>Webhooks</h1>
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          Add endpoint
        </button>
      </div>
      <p className="muted">
        Allot POSTs every event to the endpoints listed here, signed with the endpoint's secret
        (Standard Webhooks), and retries for about a day before a delivery fails.
      </p>
      {selected ? (
        <Detail endpointId={selected} onSecret={setRevealed} />
      ) : list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorMessage error={list.error} retry={() => void list.refetch()} />
      ) : list.data.endpoints.length === 0 ? (
        <Empty>No webhook endpoints.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Events</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.endpoints.map((endpoint) => (
                  <Row key={endpoint.id} endpoint={endpoint} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            page={page}
            pageCount={Math.ceil(list.data.total / PAGE_SIZE)}
            onPage={(next) => update({ page: next === 1 ? null : next })}
            label="Endpoint pages"
          />
        </>
      )}
      <CreateDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(endpoint, secret) => {
          update({ endpoint: endpoint.id, cursor: null });
          setRevealed({ title: 'Your endpoint’s signing secret', secret });
        }}
      />
      <Dialog
        title={revealed?.title ?? ''}
        open={revealed !== null}
        onClose={() => setRevealed(null)}
      >
        <p className="notice">Copy it now: it is shown this once and cannot be read again.</p>
        <pre className="secret">
          <code>{revealed?.secret}</code>
        </pre>
        <p className="actions">
          <CopyButton text={revealed?.secret ?? ''} label="Copy secret" />
        </p>
      </Dialog>
    </>
  );
}
