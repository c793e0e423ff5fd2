// The invoice engine against reference models, over random histories: every consumed credit is
// billed exactly once, and monetary credits are applied, pending, paid and given back as the
// wallet model says, across consumption, grants with expiries, issue-now, scheduled runs, voids
// and payments.
import { services } from '@allot/api';
import { WalletModel } from '@allot/test-support/wallet-model';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { cents, dollars, invoicing } from './invoicing.ts';

let server: TestServer;
let now = new Date('2030-06-10T12:00:00.000Z');
beforeAll(async () => {
  server = await startTestServer({ now: () => now });
  const usd = await server.request('POST', '/operator/credit-types', {
    operator: true,
    body: { key: 'usd', name: 'US dollar credit', unit: 'cent', currency: 'USD' },
  });
  expect(usd.status).toBe(201);
});
afterAll(() => server.close());

const { operator, pricedPartner, organization, consume, issueNow } = invoicing(() => server);
const DAY = 86_400_000;

interface ListedInvoice {
  id: string;
  number: string;
  status: string;
  issuedAt: string;
  subtotal: string;
  tax: string;
  creditsApplied: string;
  total: string;
  amountDue: string;
  lines: { quantity: number; unitPrice: string; amount: string; source: { kind: string } }[];
}

const step = fc.oneof(
  fc.record({
    kind: fc.constant('consume' as const),
    org: fc.nat(2),
    amount: fc.integer({ min: 1, max: 30 }),
  }),
  fc.record({
    kind: fc.constant('grant' as const),
    amount: fc.integer({ min: 1, max: 400 }),
    expiresInDays: fc.option(fc.integer({ min: 1, max: 40 })),
  }),
  fc.record({ kind: fc.constant('issue' as const) }),
  fc.record({ kind: fc.constant('void' as const) }),
  fc.record({ kind: fc.constant('pay' as const) }),
  fc.record({ kind: fc.constant('wait' as const), days: fc.integer({ min: 1, max: 40 }) }),
);

describe('the invoice engine against its models', () => {
  it('bills every consumed credit once and applies credits as the wallet model does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        now = new Date('2030-06-10T12:00:00.000Z');
        const partner = await pricedPartner(
          { billingMode: 'usage_based', poolCredits: 0 },
          { currency: 'USD', usageUnitPrice: '0.15', overageUnitPrice: '0.20' },
        );
        const orgs = [
          await organization(partner.apiKey, 'A', 20),
          await organization(partner.apiKey, 'B', 5),
          await organization(partner.apiKey, 'C', 0),
        ];
        const wallet = new WalletModel();
        const seen = new Set<string>();
        const list = async () =>
          (await operator('GET', `/operator/invoices?partnerId=${partner.id}&pageSize=100`)).body
            .invoices as ListedInvoice[];
        // Each invoice new since the last step, in issue order: the model applies what it owes.
        const settleNew = async () => {
          const fresh = (await list())
            .filter((invoice) => !seen.has(invoice.id))
            .sort((a, b) => a.number.localeCompare(b.number));
          for (const invoice of fresh) {
            seen.add(invoice.id);
            const owed = cents(invoice.subtotal) + cents(invoice.tax);
            const applied = wallet.issue(invoice.id, owed, new Date(invoice.issuedAt));
            expect(invoice.creditsApplied).toBe(dollars(applied));
            expect(invoice.total).toBe(dollars(owed - applied));
            expect(invoice.status).toBe(owed === applied ? 'paid' : 'issued');
          }
        };
        let consumed = 0;
        for (const s of steps) {
          if (s.kind === 'consume') {
            await consume(partner.apiKey, orgs[s.org] as string, s.amount);
            consumed += s.amount;
          } else if (s.kind === 'grant') {
            const expiresAt =
              s.expiresInDays === null ? null : new Date(now.getTime() + s.expiresInDays * DAY);
            const granted = await operator(
              'POST',
              `/operator/partners/${partner.id}/credits/grants`,
              {
                amount: s.amount,
                creditType: 'usd',
                reason: 'model',
                expiresAt: expiresAt?.toISOString() ?? null,
              },
            );
            expect(granted.status).toBe(201);
            wallet.grant(s.amount, expiresAt);
          } else if (s.kind === 'issue') {
            expect([201, 422]).toContain((await issueNow(partner.id)).status);
          } else if (s.kind === 'void' || s.kind === 'pay') {
            const [latest] = (await list()).filter((invoice) => invoice.status === 'issued');
            if (latest && s.kind === 'void') {
              await operator('POST', `/operator/invoices/${latest.id}/void`, { reason: 'model' });
              wallet.void(latest.id);
            } else if (latest) {
              const paid = await operator('POST', `/operator/invoices/${latest.id}/payments`, {
                amount: latest.amountDue,
                method: 'bank_transfer',
              });
              expect(paid.body.invoice.status).toBe('paid');
              wallet.pay(latest.id);
            }
          } else {
            now = new Date(now.getTime() + s.days * DAY);
            await services.issueDueInvoices(server.db, now);
          }
          await settleNew();
          const balances = (
            await server.request('GET', '/partner/billing/credits', { apiKey: partner.apiKey })
          ).body.balances as { available: number; pending: number }[];
          expect({
            available: balances[0]?.available ?? 0,
            pending: balances[0]?.pending ?? 0,
          }).toEqual({ available: wallet.available(now), pending: wallet.pending() });
        }

        // Whatever is left, billed now: then everything consumed is on exactly one live invoice.
        await issueNow(partner.id);
        await settleNew();
        const live = (await list()).filter((invoice) => invoice.status !== 'void');
        const lines = live.flatMap((invoice) => invoice.lines);
        expect(lines.reduce((sum, line) => sum + line.quantity, 0)).toBe(consumed);
        const overage = await server.db
          .selectFrom('entries')
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.val(0)).as('sum'))
          .where('partner_id', '=', partner.id)
          .where('account_kind', '=', 'organization')
          .where('type', '=', 'overage')
          .executeTakeFirstOrThrow();
        expect(
          lines
            .filter((line) => line.source.kind === 'overage')
            .reduce((sum, line) => sum + line.quantity, 0),
        ).toBe(Number(overage.sum));
        // Exact cents, as integers: 15 or 20 per credit, and a subtotal that adds its lines.
        for (const line of lines)
          expect(line.amount).toBe(dollars(line.quantity * (line.unitPrice === '0.15' ? 15 : 20)));
        for (const invoice of live)
          expect(invoice.subtotal).toBe(
            dollars(invoice.lines.reduce((sum, line) => sum + cents(line.amount), 0)),
          );
        // The wallet's books balance: granted = held + applied + expired (no grant is voided here).
        const accounts = await server.db
          .selectFrom('accounts')
          .select(['kind', 'balance'])
          .where('partner_id', '=', partner.id)
          .where('credit_type', '=', 'usd')
          .execute();
        const balance = (kind: string) => accounts.find((a) => a.kind === kind)?.balance ?? 0;
        expect(
          balance('wallet') + balance('applied') + balance('expiry') + balance('issuance'),
        ).toBe(0);
      }),
      { numRuns: Number(process.env.INVOICE_MODEL_RUNS ?? 15) },
    );
    // Across every run's issues, voids and empty runs: the operator's numbers are 1..n, once each.
    const numbers = (
      await server.db
        .selectFrom('invoices')
        .select('number')
        .where('issuer', '=', 'operator')
        .execute()
    )
      .map((row) => Number(row.number.replace('INV-', '')))
      .sort((a, b) => a - b);
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  }, 180_000);
});
