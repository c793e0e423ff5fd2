import { PAYMENT_METHODS, recordPaymentInput, voidInvoiceInput, type Invoice } from '@allot/domain';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Badge, StatusBadge } from '../components/badge.tsx';
import { clientPdfUrl } from '../components/client-invoices.tsx';
import { Dialog } from '../components/dialog.tsx';
import { FormError, SelectField, TextField } from '../components/field.tsx';
import { invoicePeriod, LinesTable, PaymentsTable } from '../components/invoice.tsx';
import { ErrorMessage, Loading } from '../components/states.tsx';
import { formatDateTime } from '../format.ts';
import { check, serverErrors, useForm } from '../forms.ts';
import { formatMoney } from '../money.ts';
import { Link } from '../router.tsx';
import type { ScreenProps } from '../routes.tsx';
import { errorInfo, queryClient, trpc } from '../trpc.ts';

const refresh = () => queryClient.invalidateQueries();

const METHOD_OPTIONS = PAYMENT_METHODS.map((value) => ({
  value,
  label: value.replaceAll('_', ' '),
}));

/**
 * Records money received. The amount is sent as typed, a decimal string the server checks
 * against the currency's minor digits; it starts at what is due, the usual case.
 */
function RecordPayment({ invoice }: { invoice: Invoice }) {
  const form = useForm({ amount: invoice.amountDue, method: 'bank_transfer', reference: '' });
  const pay = useMutation(
    trpc.clientInvoices.pay.mutationOptions({
      onSuccess: refresh,
      onError: (error) => form.setErrors(serverErrors(error, { overpayment: 'amount' })),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = check(recordPaymentInput, {
      invoiceId: invoice.id,
      amount: form.values.amount.trim(),
      method: form.values.method,
      reference: form.values.reference.trim() || undefined,
    });
    if (!checked.ok) return form.setErrors(checked.errors);
    pay.mutate(checked.value);
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="payment-title">
      <h2 id="payment-title">Record a payment</h2>
      <p className="muted">
        Partial payments add up; the one that reaches the total marks the invoice paid.
      </p>
      <div className="grid-2">
        <TextField
          label={`Amount (${invoice.currency})`}
          inputMode="decimal"
          value={form.values.amount}
          onChange={form.set('amount')}
          error={form.errors.amount}
          hint={`${formatMoney(invoice.amountDue, invoice.currency)} due`}
        />
        <SelectField
          label="Method"
          value={form.values.method}
          onChange={form.set('method')}
          options={METHOD_OPTIONS}
          error={form.errors.method}
        />
      </div>
      <TextField
        label="Reference (optional)"
        value={form.values.reference}
        onChange={form.set('reference')}
        error={form.errors.reference}
        hint="The transfer's reference: recording it twice adds nothing."
      />
      <FormError error={form.errors['']} />
      <button type="submit" className="button primary" disabled={pay.isPending}>
        {pay.isPending ? 'Recording…' : 'Record payment'}
      </button>
    </form>
  );
}

function VoidDialog({ invoice, onClose }: { invoice: Invoice; onClose: () => void }) {
  const form = useForm({ reason: '' });
  const voiding = useMutation(
    trpc.clientInvoices.void.mutationOptions({
      onSuccess: async () => {
        await refresh();
        onClose();
      },
      onError: (error) => form.setErrors(serverErrors(error)),
    }),
  );
  const submit = () => {
    const checked = check(voidInvoiceInput, { invoiceId: invoice.id, reason: form.values.reason });
    if (!checked.ok) return form.setErrors(checked.errors);
    voiding.mutate(checked.value);
  };
  return (
    <Dialog
      title={`Void ${invoice.number}?`}
      open
      onClose={onClose}
      onSubmit={submit}
      actions={
        <button type="submit" className="button danger" disabled={voiding.isPending}>
          {voiding.isPending ? 'Voiding…' : 'Void invoice'}
        </button>
      }
    >
      <p>
        Its number is never reused. What it billed is billed again by the next invoice, and the
        credits it applied go back to the organization.
      </p>
      <TextField
        label="Reason"
        value={form.values.reason}
        onChange={form.set('reason')}
        error={form.errors.reason}
        autoFocus
      />
      <FormError error={form.errors['']} />
    </Dialog>
  );
}

/** Who it is addressed to, when it was issued and is due, and why it was voided. */
function Facts({ invoice }: { invoice: Invoice }) {
  const { customer } = invoice;
  return (
    <dl className="facts">
      <dt>Billed to</dt>
      <dd>
        {invoice.organizationId ? (
          <Link to={`/organizations/${invoice.organizationId}/billing`}>{customer.legalName}</Link>
        ) : (
          customer.legalName
        )}
        {customer.billingEmail && <div className="muted">{customer.billingEmail}</div>}
      </dd>
      <dt>Period</dt>
      <dd>{invoicePeriod(invoice)}</dd>
      <dt>Issued</dt>
      <dd>{formatDateTime(invoice.issuedAt)}</dd>
      <dt>Due</dt>
      <dd>
        {formatDateTime(invoice.dueAt)} {invoice.overdue && <Badge tone="bad">Overdue</Badge>}
      </dd>
      <dt>Credits applied</dt>
      <dd>{formatMoney(invoice.creditsApplied, invoice.currency)}</dd>
      <dt>Amount due</dt>
      <dd>
        <strong>{formatMoney(invoice.amountDue, invoice.currency)}</strong>
      </dd>
      {invoice.voidReason && (
        <>
          <dt>Voided because</dt>
          <dd>{invoice.voidReason}</dd>
        </>
      )}
    </dl>
  );
}

/** One invoice to an organization in full, with what can still happen to it. */
export default function InvoiceScreen({ params }: ScreenProps) {
  const invoiceId = params.invoiceId ?? '';
  const read = useQuery(trpc.clientInvoices.get.queryOptions({ invoiceId }));
  const [voiding, setVoiding] = useState(false);
  const breadcrumb = (
    <p className="breadcrumb">
      <Link to="/invoices">Invoices</Link>
    </p>
  );
  if (read.isPending) return <Loading />;
  if (read.isError) {
    if ([400, 404].includes(errorInfo(read.error).status))
      return (
        <>
          {breadcrumb}
          <h1>Invoice not found</h1>
          <p>It does not exist or is not yours.</p>
        </>
      );
    return <ErrorMessage error={read.error} retry={() => void read.refetch()} />;
  }
  const invoice = read.data.invoice;
  const unpaid = invoice.status === 'issued';
  return (
    <>
      {breadcrumb}
      <div className="page-header">
        <h1>Invoice {invoice.number}</h1>
        <p className="actions">
          <span className="badges">
            <StatusBadge status={invoice.status} />
            {invoice.overdue && <Badge tone="bad">Overdue</Badge>}
          </span>
          <a className="button" href={clientPdfUrl(invoice.id)} download={`${invoice.number}.pdf`}>
            Download PDF
          </a>
          {unpaid && invoice.payments.length === 0 && (
            <button type="button" className="button danger" onClick={() => setVoiding(true)}>
              Void invoice
            </button>
          )}
        </p>
      </div>
      <div className="two-columns">
        <section className="card bill" aria-labelledby="invoice-summary">
          <h2 id="invoice-summary">Summary</h2>
          <Facts invoice={invoice} />
        </section>
        {unpaid ? (
          <RecordPayment key={invoice.updatedAt} invoice={invoice} />
        ) : (
          <section className="card" aria-labelledby="settled-title">
            <h2 id="settled-title">{invoice.status === 'paid' ? 'Paid' : 'Void'}</h2>
            <p className="muted">
              {invoice.status === 'paid'
                ? 'Paid in full: nothing more is due.'
                : 'Nothing is due on a void invoice.'}
            </p>
          </section>
        )}
      </div>
      <h2>Lines</h2>
      <LinesTable caption={`Lines of ${invoice.number}`} lines={invoice.lines} totals={invoice} />
      <h2>Payments</h2>
      <PaymentsTable invoice={invoice} />
      {voiding && <VoidDialog invoice={invoice} onClose={() => setVoiding(false)} />}
    </>
  );
}
