import {
  createGrantInput,
  DEFAULT_CREDIT_TYPE,
  GRANT_KINDS,
  MAX_CREDITS,
  type Invoice,
  type Organization,
} from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog } from '../../components/dialog.tsx';
import { LinesTable } from '../../components/invoice.tsx';
import { CheckboxField, FormError, SelectField, TextField } from '../../components/field.tsx';
import { PoolHint } from '../../components/pool-hint.tsx';
import {
  check,
  instantOrUndefined,
  numberOrUndefined,
  serverErrors,
  useForm,
} from '../../forms.ts';
import { formatDate } from '../../format.ts';
import { formatMoney, parseAmount } from '../../money.ts';
import { Link } from '../../router.tsx';
import { queryClient, trpc } from '../../trpc.ts';

const refresh = () => queryClient.invalidateQueries();

/** What the grant's sale invoiced, with a way to it. */
function IssuedInvoice({ invoice, onOpen }: { invoice: Invoice; onOpen: () => void }) {
  return (
    <div className="issued-invoice">
      <p>
        Credits granted, and invoice <strong>{invoice.number}</strong> issued to{' '}
        {invoice.customer.legalName}: {formatMoney(invoice.amountDue, invoice.currency)} due{' '}
        {formatDate(invoice.dueAt)}.
      </p>
      <LinesTable caption={`Lines of ${invoice.number}`} lines={invoice.lines} totals={invoice} />
      <p>
        <Link to={`/invoices/${invoice.id}`} onClick={onOpen} autoFocus>
          Open invoice {invoice.number}
        </Link>
      </p>
    </div>
  );
}

/**
 * Grants credits by hand (promotional, compensation, purchased), with an audit reason. A
 * monetary credit type is entered as money and sent in minor units, converted exactly; a
 * purchase of a unit type can be invoiced at once, at its cost basis or the organization's price.
 */
export function GrantDialog({
  organization: o,
  open,
  onClose,
  held,
}: {
  organization: Organization;
  open: boolean;
  onClose: () => void;
  held: number;
}) {
  const types = useQuery(trpc.credits.types.queryOptions());
  const pricing = useQuery(
    trpc.clientBilling.getOrganizationPricing.queryOptions({ organizationId: o.id }),
  );
  const form = useForm({
    amount: '',
    kind: 'promotional',
    creditType: DEFAULT_CREDIT_TYPE,
    expiresAt: '',
    priority: '',
    costBasis: '',
    invoice: '',
    reason: '',
  });
  const [issued, setIssued] = useState<Invoice | null>(null);
  const close = () => {
    form.reset();
    setIssued(null);
    onClose();
  };
  const grant = useMutation(
    trpc.credits.grants.create.mutationOptions({
      onSuccess: async (result) => {
        await refresh();
        if (result.invoice) {
          form.reset();
          setIssued(result.invoice);
        } else close();
      },
      onError: (error) =>
        form.setErrors(
          serverErrors(error, {
            insufficient_pool_credits: 'amount',
            trial_cap_exceeded: 'amount',
            expiry_in_past: 'expiresAt',
            not_priced: 'costBasis',
            not_for_sale: 'invoice',
          }),
        ),
    }),
  );
  const v = form.values;
  const type = types.data?.creditTypes.find((candidate) => candidate.key === v.creditType);
  const currency = type?.currency ?? null;
  const sells = v.kind === 'purchased' && currency === null;
  const invoiced = sells && v.invoice === 'true';
  const prices = pricing.data?.pricing ?? null;

  const submit = () => {
    let amount = numberOrUndefined(v.amount);
    if (currency) {
      const parsed = parseAmount(v.amount, currency);
      if (!parsed.ok) return form.setErrors({ amount: parsed.error });
      // Minor units are whole credits; past the most a grant holds, the contract says so.
      amount = parsed.units > BigInt(MAX_CREDITS) ? MAX_CREDITS + 1 : Number(parsed.units);
    }
    const checked = check(createGrantInput, {
      organizationId: o.id,
      amount,
      kind: v.kind,
      creditType: v.creditType,
      expiresAt: instantOrUndefined(v.expiresAt),
      priority: numberOrUndefined(v.priority),
      costBasis: (sells && v.costBasis.trim()) || undefined,
      invoice: invoiced || undefined,
      reason: v.reason,
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    grant.mutate(checked.value);
  };

  if (issued)
    return (
      <Dialog title={`Invoice ${issued.number} issued`} open={open} onClose={close}>
        <IssuedInvoice invoice={issued} onOpen={close} />
      </Dialog>
    );
  const costHint = !invoiced
    ? 'What the organization paid per credit, for your records.'
    : !prices
      ? 'Set prices (Pricing, or its Billing tab) to invoice purchases: they name the currency and terms.'
      : prices.creditUnitPrice
        ? `Empty: its price per purchased credit, ${formatMoney(prices.creditUnitPrice, prices.currency)}.`
        : 'Required to invoice: it has no price per purchased credit.';
  return (
    <Dialog
      title="Grant credits"
      open={open}
      onClose={close}
      onSubmit={submit}
      actions={
        <button type="submit" className="button primary" disabled={grant.isPending}>
          {grant.isPending ? 'Granting…' : invoiced ? 'Grant and invoice' : 'Grant'}
        </button>
      }
    >
      <div className="grid-2">
        <SelectField
          label="Credit type"
          value={v.creditType}
          onChange={form.set('creditType')}
          options={
            types.data?.creditTypes.map((t) => ({
              value: t.key,
              label: t.currency ? `${t.name} (${t.currency})` : t.name,
            })) ?? [DEFAULT_CREDIT_TYPE]
          }
          error={form.errors.creditType}
          hint={currency ? `Money, applied to its invoices, soonest expiring first.` : undefined}
        />
        <TextField
          label={currency ? `Amount (${currency})` : 'Amount'}
          inputMode={currency ? 'decimal' : 'numeric'}
          value={v.amount}
          onChange={form.set('amount')}
          error={form.errors.amount}
          placeholder={currency ? '25.00' : undefined}
          hint={currency ? undefined : 'Credits'}
          autoFocus
        />
        <SelectField
          label="Kind"
          value={v.kind}
          onChange={form.set('kind')}
          options={GRANT_KINDS}
          error={form.errors.kind}
        />
        <TextField
          label="Expires (UTC, optional)"
          type="datetime-local"
          value={v.expiresAt}
          onChange={form.set('expiresAt')}
          error={form.errors.expiresAt}
        />
        <TextField
          label="Priority (optional)"
          inputMode="numeric"
          value={v.priority}
          onChange={form.set('priority')}
          error={form.errors.priority}
          hint="Lower burns first; default 50"
        />
        {sells && (
          <TextField
            label={`Cost per credit${prices ? ` (${prices.currency})` : ''}${invoiced ? '' : ' (optional)'}`}
            inputMode="decimal"
            value={v.costBasis}
            onChange={form.set('costBasis')}
            error={form.errors.costBasis}
            placeholder={prices?.creditUnitPrice ?? '0.04'}
            hint={costHint}
          />
        )}
      </div>
      {sells && (
        <CheckboxField
          label="Invoice this purchase"
          checked={v.invoice === 'true'}
          onChange={(checked) => form.set('invoice')(checked ? 'true' : '')}
          hint="Issues the organization's invoice now, with its monetary credits applied."
        />
      )}
      <FormError error={form.errors.invoice} />
      <TextField
        label="Reason"
        value={v.reason}
        onChange={form.set('reason')}
        error={form.errors.reason}
        hint="Kept in the ledger for the audit trail."
      />
      {v.creditType === DEFAULT_CREDIT_TYPE && <PoolHint tier={o.tier} held={held} />}
      <FormError error={form.errors['']} />
    </Dialog>
  );
}
