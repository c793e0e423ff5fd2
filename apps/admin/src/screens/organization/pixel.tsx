import { updatePixelInput } from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CopyButton } from '../../components/copy-button.tsx';
import { FormError, TextField } from '../../components/field.tsx';
import { ErrorMessage, Loading } from '../../components/states.tsx';
import { formatDateTime } from '../../format.ts';
import { check, serverErrors, type FieldErrors } from '../../forms.ts';
import { queryClient, trpc } from '../../trpc.ts';
import type { TabProps } from './page.tsx';

/** The origins the pixel works on, edited as a list and saved at once. */
function Referrers({ organizationId, saved }: { organizationId: string; saved: string[] }) {
  const [origins, setOrigins] = useState(saved.length > 0 ? saved : ['']);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState(false);
  const update = useMutation(
    trpc.pixel.update.mutationOptions({
      onSuccess: async ({ allowedReferrers }) => {
        setOrigins(allowedReferrers.length > 0 ? allowedReferrers : ['']);
        setDone(true);
        await queryClient.invalidateQueries({
          queryKey: trpc.pixel.get.queryKey({ organizationId }),
        });
      },
      onError: (error) => setErrors(serverErrors(error)),
    }),
  );
  const edit = (index: number, value: string) => {
    setOrigins((current) => current.map((origin, i) => (i === index ? value : origin)));
    setErrors({});
    setDone(false);
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    const checked = check(updatePixelInput, {
      organizationId,
      allowedReferrers: origins.map((origin) => origin.trim()).filter(Boolean),
    });
    if (!checked.ok) return setErrors(checked.errors);
    update.mutate(checked.value);
  };
  return (
    <form className="card" onSubmit={save} noValidate aria-labelledby="referrers-title">
      <h2 id="referrers-title">Allowed referrers</h2>
      <p className="muted">
        The pixel works only on these origins; with none it works nowhere.{' '}
        <code>https://*.acme.com</code> covers subdomains.
      </p>
      {origins.map((origin, index) => (
        <div className="referrer-row" key={index}>
          <TextField
            label={`Origin ${index + 1}`}
            value={origin}
            onChange={(value) => edit(index, value)}
            error={errors[`allowedReferrers.${index}`]}
            placeholder="https://www.example.com"
          />
          <button
            type="button"
            className="button small"
            aria-label={`Remove origin ${index + 1}`}
            onClick={() => {
              setOrigins((current) => current.filter((_, i) => i !== index));
              setDone(false);
            }}
          >
            Remove
          </button>
        </div>
      ))}
      <FormError error={errors[''] ?? errors.allowedReferrers} />
      <div className="actions">
        <button
          type="button"
          className="button"
          onClick={() => setOrigins((current) => [...current, ''])}
        >
          Add origin
        </button>
        <button type="submit" className="button primary" disabled={update.isPending}>
          {update.isPending ? 'Saving…' : 'Save referrers'}
        </button>
        <span role="status" className="muted">
          {done ? 'Saved' : ''}
        </span>
      </div>
    </form>
  );
}

/** Installing the pixel: its tag to paste, where it may run, and whether it has been heard from. */
export default function Pixel({ organization: o }: TabProps) {
  const pixel = useQuery(trpc.pixel.get.queryOptions({ organizationId: o.id }));
  if (pixel.isPending) return <Loading />;
  if (pixel.isError) return <ErrorMessage error={pixel.error} retry={() => void pixel.refetch()} />;
  const { scriptTag, allowedReferrers, lastEventAt } = pixel.data;
  return (
    <div className="two-columns">
      <div>
        <section className="card" aria-labelledby="tag-title">
          <h2 id="tag-title">Script tag</h2>
          <p className="muted">Paste it into every page of the client's site, in the head.</p>
          <pre className="secret">
            <code>{scriptTag}</code>
          </pre>
          <p className="actions">
            <CopyButton text={scriptTag} label="Copy script tag" />
          </p>
        </section>
        <section className="card" aria-labelledby="heard-title" style={{ marginTop: 16 }}>
          <h2 id="heard-title">Last event received</h2>
          {lastEventAt ? (
            <p>{formatDateTime(lastEventAt)}</p>
          ) : (
            <p className="muted">
              Nothing yet. Once the tag is on an allowed origin, the first page view shows here.
            </p>
          )}
          {o.status !== 'active' && (
            <p className="notice">
              This organization is {o.status}: its script is empty and events are refused.
            </p>
          )}
        </section>
      </div>
      <Referrers organizationId={o.id} saved={allowedReferrers} />
    </div>
  );
}
