import { WEBHOOK_DELIVERY_STATUSES, type WebhookDelivery } from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import { StatusBadge } from '../components/badge.tsx';
import { FormError, SelectField } from '../components/field.tsx';
import { Empty, ErrorMessage, Loading } from '../components/states.tsx';
import { formatDateTime, formatNumber } from '../format.ts';
import { oneOf } from '../hooks.ts';
import { useSearch } from '../router.tsx';
import { queryClient, trpc } from '../trpc.ts';

const PAGE_SIZE = 20;
const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.pathKey() });

function Attempts({ delivery: d }: { delivery: WebhookDelivery }) {
  if (d.attemptLog.length === 0) return <span className="muted">not tried yet</span>;
  return (
    <ol className="attempts">
      {d.attemptLog.map((attempt) => (
        <li key={attempt.attemptedAt}>
          {formatDateTime(attempt.attemptedAt)}:{' '}
          <strong>{attempt.statusCode ?? 'no response'}</strong> in{' '}
          {formatNumber(attempt.latencyMs)} ms
          {attempt.error && <div className="field-error">{attempt.error}</div>}
          {attempt.responseExcerpt && (
            <pre className="excerpt">
              <code>{attempt.responseExcerpt}</code>
            </pre>
          )}
        </li>
      ))}
    </ol>
  );
}

function Row({ delivery: d }: { delivery: WebhookDelivery }) {
  const retry = useMutation(trpc.webhooks.deliveries.retry.mutationOptions({ onSuccess: refresh }));
  return (
    <tr>
      <td>
        <code>{d.eventType}</code>
        <div className="muted">{formatDateTime(d.createdAt)}</div>
      </td>
      <td>
        <StatusBadge status={d.status} />
        {d.failureReason && <div className="muted">{d.failureReason}</div>}
        {d.status === 'pending' && d.nextAttemptAt && (
          <div className="muted">next try {formatDateTime(d.nextAttemptAt)}</div>
        )}
      </td>
      <td>
        <Attempts delivery={d} />
      </td>
      <td>
        {d.status !== 'pending' && (
          <button
            type="button"
            className="button small"
            disabled={retry.isPending}
            onClick={() => retry.mutate({ endpointId: d.endpointId, deliveryId: d.id })}
            aria-label={`Retry the ${d.eventType} delivery of ${formatDateTime(d.createdAt)}`}
          >
            {retry.isPending ? 'Retrying…' : 'Retry'}
          </button>
        )}
        {retry.isError && <FormError error={retry.error.message} />}
      </td>
    </tr>
  );
}

/** An endpoint's deliveries, newest first, a cursor page at a time (the cursor is in the URL). */
export function Deliveries({ endpointId }: { endpointId: string }) {
  const [params, update] = useSearch();
  const cursor = params.get('cursor') ?? undefined;
  const status = oneOf(params.get('deliveryStatus'), WEBHOOK_DELIVERY_STATUSES);
  const deliveries = useQuery(
    trpc.webhooks.deliveries.list.queryOptions(
      {
        endpointId,
        limit: PAGE_SIZE,
        ...(cursor ? { cursor } : {}),
        ...(status ? { status } : {}),
      },
      {
        // While something is on its way, watch it arrive.
        refetchInterval: (query) =>
          query.state.data?.deliveries.some((d) => d.status === 'pending') ? 1000 : false,
      },
    ),
  );
  return (
    <section aria-labelledby="deliveries-title">
      <div className="page-header">
        <h2 id="deliveries-title">Delivery log</h2>
        <div className="toolbar">
          <SelectField
            label="Delivery status"
            value={status ?? ''}
            onChange={(value) => update({ deliveryStatus: value, cursor: null })}
            options={[{ value: '', label: 'Any' }, ...WEBHOOK_DELIVERY_STATUSES]}
          />
          <button type="button" className="button" onClick={() => void deliveries.refetch()}>
            Refresh
          </button>
        </div>
      </div>
      {deliveries.isPending ? (
        <Loading />
      ) : deliveries.isError ? (
        <ErrorMessage error={deliveries.error} retry={() => void deliveries.refetch()} />
      ) : deliveries.data.deliveries.length === 0 ? (
        <Empty>No deliveries{cursor ? ' past this point' : ' yet'}.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.deliveries.map((delivery) => (
                <Row key={delivery.id} delivery={delivery} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(cursor || deliveries.data?.nextCursor) && (
        <nav className="pager" aria-label="Delivery pages">
          <button
            type="button"
            className="button"
            disabled={!cursor}
            onClick={() => update({ cursor: null })}
          >
            Newest
          </button>
          <button
            type="button"
            className="button"
            disabled={!deliveries.data?.nextCursor}
            onClick={() => update({ cursor: deliveries.data?.nextCursor })}
          >
            Older
          </button>
        </nav>
      )}
    </section>
  );
}
