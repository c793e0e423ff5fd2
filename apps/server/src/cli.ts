import { services } from '@allot/api';
import { isDatabaseUnavailable } from '@allot/db';
import {
  AppError,
  createPartnerInput,
  emailSchema,
  partnerIdInput,
  passwordSchema,
  revokeApiKeyInput,
  setPartnerPricingInput,
  issueInvoiceInput,
  listInvoicesInput,
  recordPaymentInput,
  voidInvoiceInput,
  type Invoice,
  userRoleSchema,
  type PartnerPricing,
} from '@allot/domain';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from './config.ts';
import { openDatabase, type OpenDatabase } from './database.ts';

const usage = `Usage: pnpm allot <command> [options]

  partners create --name NAME --billing-mode credit_pool|external|usage_based
                  --billing-period monthly|quarterly|annually [--billing-day 1-28] [--pool N] [--json]
  partners list [--json]
  keys create --partner PARTNER_ID [--json]
  keys revoke --partner PARTNER_ID --key KEY_ID
  users create --partner PARTNER_ID --email EMAIL [--role admin|member] [--password PASSWORD] [--json]
                  (without --password: asks for one on a terminal, else generates one and prints it)
  users list --partner PARTNER_ID [--json]
  pricing set --partner PARTNER_ID --currency USD [--pool-price 0.10] [--usage-price 0.15]
                  [--overage-price 0.20] [--terms 0|15|30|45|60|90] [--tax-rate 0.2] [--json]
                  (sets the pricing whole: a price left out is not billed)
  pricing get --partner PARTNER_ID [--json]
  invoices list [--partner PARTNER_ID] [--status issued|paid|void] [--json]
  invoices issue --partner PARTNER_ID [--json]   (everything not yet invoiced, up to now)
  invoices pay --invoice INVOICE_ID --amount 100.00 --method bank_transfer|card|direct_debit|check|cash|other
                  [--reference REF] [--json]
  invoices void --invoice INVOICE_ID --reason REASON [--json]

Works against DATABASE_URL, or the embedded PostgreSQL in ALLOT_DATA_DIR (joining a running server's).`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    'billing-mode': { type: 'string' },
    'billing-period': { type: 'string' },
    'billing-day': { type: 'string' },
    pool: { type: 'string' },
    partner: { type: 'string' },
    key: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string' },
    password: { type: 'string' },
    currency: { type: 'string' },
    'pool-price': { type: 'string' },
    'usage-price': { type: 'string' },
    'overage-price': { type: 'string' },
    terms: { type: 'string' },
    'tax-rate': { type: 'string' },
    invoice: { type: 'string' },
    status: { type: 'string' },
    amount: { type: 'string' },
    method: { type: 'string' },
    reference: { type: 'string' },
    reason: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

class UsageError extends Error {}

const numberOption = (value: string | undefined) =>
  value === undefined ? undefined : Number(value);

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new UsageError(z.prettifyError(result.error));
  return result.data;
}

const print = (json: unknown, text: string) =>
  console.log(values.json ? JSON.stringify(json, null, 2) : text);

/**
 * The new user's password: --password, else typed at a terminal (an empty answer generates one),
 * else generated. A generated one is printed, since nobody else will ever see it.
 */
async function newPassword(): Promise<{ password: string; generated: boolean }> {
  if (values.password !== undefined)
    return { password: parse(passwordSchema, values.password), generated: false };
  if (process.stdin.isTTY && !values.json) {
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    const typed = await prompt.question('Password (empty to generate one): ');
    prompt.close();
    if (typed !== '') return { password: parse(passwordSchema, typed), generated: false };
  }
  return { password: services.generatePassword(), generated: true };
}

/** A partner the service does not know is the operator's mistake: a usage error, not a fault. */
const noPartner = (partnerId: string) => (error: unknown) => {
  if (error instanceof AppError && error.kind === 'not_found')
    throw new UsageError(`No partner ${partnerId}`);
  throw error;
};

/** What the service refused (an unknown invoice, nothing to invoice): the operator's to fix. */
const refusal = (error: unknown): never => {
  if (error instanceof AppError && error.kind !== 'unavailable')
    throw new UsageError(`${error.code}: ${error.message}`);
  throw error;
};

const describeInvoice = (i: Invoice) =>
  `${i.number}  ${i.id}  ${i.status}${i.overdue ? ' (overdue)' : ''}  ${i.total} ${i.currency}, due ${i.amountDue} by ${i.dueAt.slice(0, 10)}  ${i.customer.legalName}`;

const describePricing = (p: PartnerPricing | null) =>
  p === null
    ? 'Not priced: billed nothing.'
    : [
        `${p.currency}: pool ${p.poolUnitPrice ?? '-'}, usage ${p.usageUnitPrice ?? '-'}, overage ${p.overageUnitPrice ?? p.usageUnitPrice ?? '-'} per credit`,
        `terms ${p.paymentTermsDays} days, tax rate ${p.taxRate}`,
      ].join('\n');

async function run(database: OpenDatabase, command: string) {
  const { db } = database;
  const now = new Date();
  switch (command) {
    case 'partners create': {
      const input = parse(createPartnerInput, {
        name: values.name,
        billingMode: values['billing-mode'],
        billingPeriod: values['billing-period'],
        billingDayOfMonth: numberOption(values['billing-day']),
        poolCredits: numberOption(values.pool),
      });
      const created = await db
        .transaction()
        .execute((trx) => services.createPartner(trx, input, now));
      return print(
        created,
        `Created partner ${created.partner.name} (${created.partner.id})\nAPI key (shown once): ${created.apiKey}`,
      );
    }
    case 'partners list': {
      // The operator's terminal shows every partner: read the pages through.
      const list = {
        partners: [] as Awaited<ReturnType<typeof services.listPartners>>['partners'],
      };
      for (let page = 1; ; page += 1) {
        const next = await services.listPartners(db, { page, pageSize: 100 });
        list.partners.push(...next.partners);
        if (list.partners.length >= next.total || next.partners.length === 0) break;
      }
      return print(
        list,
        list.partners
          .map(
            (p) =>
              `${p.id}  ${p.name}  ${p.billingMode}  ${p.billingPeriod}  pool ${p.poolCredits}`,
          )
          .join('\n') || 'No partners yet.',
      );
    }
    case 'pricing set': {
      const input = parse(setPartnerPricingInput, {
        partnerId: values.partner,
        currency: values.currency,
        poolUnitPrice: values['pool-price'],
        usageUnitPrice: values['usage-price'],
        overageUnitPrice: values['overage-price'],
        paymentTermsDays: numberOption(values.terms),
        taxRate: values['tax-rate'],
      });
      const set = await db
        .transaction()
        .execute((trx) => services.setPartnerPricing(trx, input, now))
        .catch(noPartner(input.partnerId));
      return print(set, describePricing(set.pricing));
    }
    case 'pricing get': {
      const { partnerId } = parse(partnerIdInput, { partnerId: values.partner });
      const got = await services.getPartnerPricing(db, partnerId).catch(noPartner(partnerId));
      return print(got, describePricing(got.pricing));
    }
    case 'invoices list': {
      const input = parse(listInvoicesInput, {
        partnerId: values.partner,
        status: values.status,
        pageSize: 100,
      });
      const list = await services.listInvoices(
        db,
        { issuer: 'operator', partnerId: input.partnerId },
        input,
        now,
      );
      return print(list, list.invoices.map(describeInvoice).join('\n') || 'No invoices.');
    }
    case 'invoices issue': {
      const { partnerId } = parse(issueInvoiceInput, { partnerId: values.partner });
      const issued = await db
        .transaction()
        .execute((trx) => services.issueInvoiceNow(trx, partnerId, now))
        .catch(refusal);
      return print(issued, describeInvoice(issued.invoice));
    }
    case 'invoices pay': {
      const input = parse(recordPaymentInput, {
        invoiceId: values.invoice,
        amount: values.amount,
        method: values.method,
        reference: values.reference,
      });
      const paid = await db
        .transaction()
        .execute((trx) => services.recordPayment(trx, input, now, services.OPERATOR_INVOICES))
        .catch(refusal);
      return print(paid, describeInvoice(paid.invoice));
    }
    case 'invoices void': {
      const input = parse(voidInvoiceInput, { invoiceId: values.invoice, reason: values.reason });
      const voided = await db
        .transaction()
        .execute((trx) => services.voidInvoice(trx, input, now, services.OPERATOR_INVOICES))
        .catch(refusal);
      return print(voided, describeInvoice(voided.invoice));
    }
    case 'keys create': {
      const { partnerId } = parse(partnerIdInput, { partnerId: values.partner });
      const key = await db.transaction().execute(async (trx) => {
        if (!(await services.partnerExists(trx, partnerId)))
          throw new UsageError(`No partner ${partnerId}`);
        return services.createApiKey(trx, partnerId);
      });
      return print(key, `API key ${key.id} (shown once): ${key.apiKey}`);
    }
    case 'keys revoke': {
      const input = parse(revokeApiKeyInput, { partnerId: values.partner, keyId: values.key });
      await services.revokeApiKey(db, input.partnerId, input.keyId, now).catch((error: unknown) => {
        if (error instanceof AppError && error.kind === 'not_found')
          throw new UsageError(`No API key ${input.keyId} for partner ${input.partnerId}`);
        throw error;
      });
      return print({ revoked: input.keyId }, `Revoked ${input.keyId}`);
    }
    case 'users create': {
      const { partnerId } = parse(partnerIdInput, { partnerId: values.partner });
      const email = parse(emailSchema, values.email);
      const role = parse(userRoleSchema, values.role ?? 'admin');
      const { password, generated } = await newPassword();
      const user = await db.transaction().execute(async (trx) => {
        if (!(await services.partnerExists(trx, partnerId)))
          throw new UsageError(`No partner ${partnerId}`);
        return services.createUser(trx, partnerId, { email, role, password }, now);
      });
      return print(
        generated ? { user, password } : { user },
        `Created ${user.role} ${user.email} (${user.id})` +
          (generated ? `\nPassword (shown once): ${password}` : ''),
      );
    }
    case 'users list': {
      const { partnerId } = parse(partnerIdInput, { partnerId: values.partner });
      const list = await services.listUsers(db, partnerId);
      return print(
        list,
        list.users
          .map((u) => `${u.id}  ${u.email}  ${u.role}${u.disabledAt ? '  disabled' : ''}`)
          .join('\n') || 'No users yet.',
      );
    }
    default:
      throw new UsageError(usage);
  }
}

const command = positionals.slice(0, 2).join(' ');
if (values.help || positionals.length === 0) {
  console.log(usage);
  process.exit(0);
}

/**
 * One line for the operator and the exit code: 2 for what the command asked (bad options, a
 * refused rule, something that does not exist), 1 for a fault, the database's included.
 */
function failure(error: unknown): { message: string; exitCode: 1 | 2 } {
  if (error instanceof UsageError || error instanceof AppError)
    return { message: error.message, exitCode: 2 };
  // Wrappers (the migrator's "Migration failed") hide what went wrong: name the innermost cause.
  let cause = error;
  while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
  const reason =
    cause instanceof Error
      ? cause.message || (cause as { code?: string }).code || cause.name
      : String(cause);
  if (isDatabaseUnavailable(error))
    return {
      message: `The database is unreachable (${reason}); check DATABASE_URL or ALLOT_DATA_DIR`,
      exitCode: 1,
    };
  return { message: `Unexpected error: ${reason}`, exitCode: 1 };
}

let database: OpenDatabase | undefined;
let exitCode = 0;
try {
  database = await openDatabase(loadConfig(), 2);
  await run(database, command);
} catch (error) {
  const failed = failure(error);
  console.error(failed.message);
  exitCode = failed.exitCode;
} finally {
  await database?.close();
}
process.exit(exitCode);
