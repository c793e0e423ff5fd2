import { defined } from '@allot/domain';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@allot/db/testing';
import { sql } from 'kysely';
import { startTestServer, type TestServer } from './harness.ts';
import { signIn } from './sessions.ts';

const run = promisify(execFile);
const serverDir = join(dirname(fileURLToPath(import.meta.url)), '..');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** The CLI as a user runs it: a separate process, against DATABASE_URL. */
async function cli(...args: string[]) {
  return cliAt(server.databaseUrl, ...args);
}

function cliAt(databaseUrl: string, ...args: string[]) {
  return run(join(serverDir, 'node_modules/.bin/tsx'), ['src/cli.ts', ...args], {
    cwd: serverDir,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
}

/** How a run that should fail failed: its exit code and what it wrote to stderr. */
const failureOf = (running: Promise<unknown>) =>
  running.then(
    () => null,
    (error: { code: number; stderr: string }) => error,
  );

// Each command is a process of its own (Node, tsx, the database): a test of several commands
// takes seconds per command on a busy machine, so the suite allows more than the default.
describe('pnpm allot', { timeout: 120_000 }, () => {
  it('creates a partner whose key drives the REST API, with JSON identical to the REST body', async () => {
    const { stdout } = await cli(
      'partners',
      'create',
      '--name',
      'CLI Agency',
      '--billing-mode',
      'credit_pool',
      '--billing-period',
      'annual',
      '--pool',
      '2500',
      '--json',
    );
    const created = JSON.parse(stdout) as { partner: Record<string, unknown>; apiKey: string };
    expect(Object.keys(created).sort()).toEqual(['apiKey', 'partner']);
    expect(created.partner).toMatchObject({
      name: 'CLI Agency',
      billingMode: 'credit_pool',
      billingPeriod: 'annually',
      billingDayOfMonth: 1,
      poolCredits: 2500,
    });
    expect(Object.keys(created.partner).sort()).toEqual([
      'billingDayOfMonth',
      'billingMode',
      'billingPeriod',
      'createdAt',
      'id',
      'name',
      'poolCredits',
    ]);

    // The key works against the running server at once, as in the partner guide's curl examples.
    const apiKey = created.apiKey;
    const response = await server.request('POST', '/partner/organizations', {
      apiKey,
      body: { name: 'Acme Corp', externalId: 'acme-123', tier: 'trial', initialCredits: 500 },
    });
    expect(response.status).toBe(201);
    const billing = await server.request('GET', '/partner/billing', { apiKey });
    expect(billing.body).toMatchObject({ creditPoolTotal: 2500, creditsAllocated: 500 });

    const list = JSON.parse((await cli('partners', 'list', '--json')).stdout) as {
      partners: { id: string }[];
    };
    expect(list.partners.map((p) => p.id)).toContain(created.partner.id);

    const key = JSON.parse(
      (await cli('keys', 'create', '--partner', created.partner.id as string, '--json')).stdout,
    );
    expect(key.apiKey).toMatch(/^allot_sk_/);
    expect(key.apiKey).not.toBe(created.apiKey);
  });

  it('refuses invalid options with a message and exit code 2, writing nothing', async () => {
    const failure = await cli(
      'partners',
      'create',
      '--name',
      'X',
      '--billing-mode',
      'barter',
      '--billing-period',
      'monthly',
    ).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('billingMode');
    const rows = await server.db
      .selectFrom('partners')
      .select('name')
      .where('name', '=', 'X')
      .execute();
    expect(rows).toEqual([]);
  });

  it('says which partner does not exist', async () => {
    const failure = await cli(
      'keys',
      'create',
      '--partner',
      '00000000-0000-7000-8000-000000000000',
    ).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('No partner');
  });

  it('sets and reads a partner’s pricing as the REST API does, refusing a float-like price', async () => {
    const { partner } = await server.createPartner();
    const set = await cli(
      'pricing',
      'set',
      '--partner',
      partner.id,
      '--currency',
      'EUR',
      '--pool-price',
      '0.10',
      '--tax-rate',
      '0.19',
      '--json',
    );
    const { pricing } = JSON.parse(set.stdout) as { pricing: Record<string, unknown> };
    expect(pricing).toMatchObject({
      currency: 'EUR',
      poolUnitPrice: '0.10',
      usageUnitPrice: null,
      paymentTermsDays: 30,
      taxRate: '0.19',
    });
    const rest = await server.request('GET', `/operator/partners/${partner.id}/pricing`, {
      operator: true,
    });
    expect(rest.body).toEqual({ pricing });
    const { stdout } = await cli('pricing', 'get', '--partner', partner.id);
    expect(stdout).toContain('EUR: pool 0.10');

    const refused = await failureOf(
      cli('pricing', 'set', '--partner', partner.id, '--currency', 'EUR', '--pool-price', '1e-1'),
    );
    expect(refused?.code).toBe(2);
    expect(refused?.stderr).toContain('poolUnitPrice');
    const unknown = await failureOf(
      cli('pricing', 'get', '--partner', '00000000-0000-7000-8000-000000000000'),
    );
    expect(unknown?.stderr).toContain('No partner');
  });

  it('issues, lists, pays and voids invoices, saying what it refused', async () => {
    const { partner } = await server.createPartner({ poolCredits: 300 });
    await cli(
      'pricing',
      'set',
      '--partner',
      partner.id,
      '--currency',
      'USD',
      '--pool-price',
      '0.50',
    );
    const issued = JSON.parse(
      (await cli('invoices', 'issue', '--partner', partner.id, '--json')).stdout,
    ) as { invoice: { id: string; number: string; total: string } };
    expect(issued.invoice.total).toBe('150.00');
    const nothing = await failureOf(cli('invoices', 'issue', '--partner', partner.id));
    expect(nothing?.code).toBe(2);
    expect(nothing?.stderr).toContain('nothing_to_invoice');

    const { stdout: listed } = await cli('invoices', 'list', '--partner', partner.id);
    expect(listed).toContain(`${issued.invoice.number}  ${issued.invoice.id}  issued`);
    const over = await failureOf(
      cli(
        'invoices',
        'pay',
        '--invoice',
        issued.invoice.id,
        '--amount',
        '150.01',
        '--method',
        'card',
      ),
    );
    expect(over?.stderr).toContain('overpayment');
    const { stdout: paid } = await cli(
      'invoices',
      'pay',
      '--invoice',
      issued.invoice.id,
      '--amount',
      '150.00',
      '--method',
      'bank_transfer',
      '--reference',
      'WIRE-1',
    );
    expect(paid).toContain('paid');
    const voided = await failureOf(
      cli('invoices', 'void', '--invoice', issued.invoice.id, '--reason', 'late'),
    );
    expect(voided?.stderr).toContain('invoice_paid');
  });

  it('says which API key does not exist', async () => {
    const { partner } = await server.createPartner();
    const missing = '00000000-0000-7000-8000-000000000000';
    const failure = await failureOf(
      cli('keys', 'revoke', '--partner', partner.id, '--key', missing),
    );
    // The message first: a failure then shows what the command said.
    expect(failure?.stderr.trim()).toBe(`No API key ${missing} for partner ${partner.id}`);
    expect(failure?.code).toBe(2);
  });

  it('reports a database it cannot reach in one line with exit code 1', async () => {
    // Port 1 on the loopback address: nothing listens there.
    const failure = await failureOf(
      cliAt('postgres://allot:allot@127.0.0.1:1/allot', 'partners', 'list'),
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim()).toMatch(
      /^The database is unreachable \(.*ECONNREFUSED.*\)[^\n]*$/,
    );
  });

  it('reports a fault in the database as itself, not as a missing API key', async () => {
    const broken = await createTestDatabase();
    try {
      const { partner } = await server.createPartner();
      await sql`ALTER TABLE api_keys RENAME TO api_keys_elsewhere`.execute(broken.db);
      const failure = await failureOf(
        cliAt(broken.url, 'keys', 'revoke', '--partner', partner.id, '--key', partner.id),
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).not.toContain('No API key');
      expect(failure?.stderr.trim()).toBe('Unexpected error: relation "api_keys" does not exist');
    } finally {
      await broken.drop();
    }
  });

  it('creates users who sign in: with --password, or with a generated password printed once', async () => {
    const { partner } = await server.createPartner();
    const given = JSON.parse(
      (
        await cli(
          'users',
          'create',
          '--partner',
          partner.id,
          '--email',
          'Boss@CLI.example',
          '--password',
          'a password from the operator',
          '--json',
        )
      ).stdout,
    );
    expect(given).toEqual({
      user: expect.objectContaining({ email: 'boss@cli.example', role: 'admin' }),
    });
    await signIn(server, 'boss@cli.example', 'a password from the operator');

    // Not a terminal: a password is generated and printed.
    const { stdout } = await cli(
      'users',
      'create',
      '--partner',
      partner.id,
      '--email',
      'mate@cli.example',
      '--role',
      'member',
    );
    const password = /Password \(shown once\): (\S+)/.exec(stdout)?.[1];
    expect(stdout).toContain('Created member mate@cli.example');
    await signIn(server, 'mate@cli.example', defined(password, 'the shown password'));

    const taken = await cli(
      'users',
      'create',
      '--partner',
      partner.id,
      '--email',
      'MATE@cli.example',
    ).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(taken?.code).toBe(2);
    expect(taken?.stderr).toContain('already exists');
    const list = await cli('users', 'list', '--partner', partner.id);
    expect(list.stdout).toContain('boss@cli.example');
    expect(list.stdout).toContain('mate@cli.example  member');
  });
});
