import { defined } from '@allot/domain';
// The Webhooks screen and the Credits tab's low-balance settings in Chromium, against the real
// server, a real job worker and a real receiver on 127.0.0.1: an endpoint is added (its secret
// shown once), a test event is delivered and shows in the delivery log, an insecure URL is refused
// on its field, a failing endpoint is a dashboard warning, and balance alerts and an auto top-up
// persist across a reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type Worker } from '../src/worker.ts';
import {
  openApp,
  partnerWithAdmin,
  signIn,
  startAdminHarness,
  type AdminHarness,
} from './admin-browser.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

let harness: AdminHarness;
let worker: Worker;
let receiver: Receiver;
beforeAll(async () => {
  harness = await startAdminHarness({ allowHttpWebhooks: true });
  worker = await startWorker({
    db: harness.server.db,
    databaseUrl: harness.server.databaseUrl,
    webhooks: { allowHttpWebhooks: true, retrySchedule: [0, 200, 200], timeoutMs: 2000 },
  });
  receiver = await startReceiver(() => ({ status: 200, body: 'thanks' }));
}, 300_000);
afterAll(async () => {
  await receiver?.down();
  await worker?.stop();
  await harness?.close();
});

describe('the Webhooks screen', () => {
  it('adds an endpoint (secret once), refuses an insecure URL on its field, delivers a test, rotates, disables and deletes', async () => {
    const admin = await partnerWithAdmin(harness.server);
    const { page, context, errors } = await openApp(harness, '/webhooks');
    await signIn(page, admin.email, admin.password);
    await page.getByRole('link', { name: 'Webhooks' }).waitFor();
    await expect.poll(() => page.getByText('No webhook endpoints.').isVisible()).toBe(true);

    // Plain http to anything but localhost is refused by the server, next to the URL field.
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const create = page.getByRole('dialog', { name: 'Add a webhook endpoint' });
    await create.getByLabel('URL').fill('http://192.168.1.10/hooks');
    await create.getByRole('button', { name: 'Add endpoint' }).click();
    await expect
      .poll(() => create.locator('.field-invalid .field-error').textContent())
      .toBe('A webhook URL must use https');
    expect(await create.getByLabel('URL').getAttribute('aria-invalid')).toBe('true');

    // The receiver on 127.0.0.1, for two event types.
    await create.getByLabel('URL').fill(receiver.url);
    await create.getByLabel('Description (optional)').fill('Our CRM');
    await create.getByLabel('credits.granted').check();
    await create.getByLabel('credit_balance.dropped').check();
    await create.getByRole('button', { name: 'Add endpoint' }).click();

    // The secret, once, with a copy button.
    const reveal = page.getByRole('dialog', { name: 'Your endpoint’s signing secret' });
    await expect.poll(() => reveal.locator('pre.secret').textContent()).toMatch(/^whsec_/);
    await expect
      .poll(() => reveal.getByRole('button', { name: 'Copy secret' }).isVisible())
      .toBe(true);
    await reveal.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => reveal.isVisible()).toBe(false);
    const endpointId = defined(new URL(page.url()).searchParams.get('endpoint'), 'the endpoint id');
    expect(endpointId).toBeTruthy();
    await expect
      .poll(() => page.getByRole('heading', { name: receiver.url }).isVisible())
      .toBe(true);
    await expect
      .poll(() => page.getByText('credit_balance.dropped, credits.granted').isVisible())
      .toBe(true);

    // The list shows it; the selected endpoint is in the address, so a reload keeps it.
    await page.getByRole('link', { name: 'All endpoints' }).click();
    const row = page.locator('tbody tr', { hasText: receiver.url });
    await expect.poll(() => row.getByText('enabled').isVisible()).toBe(true);
    expect(await page.locator('pre.secret').count()).toBe(0);
    await row.getByRole('link', { name: receiver.url }).click();
    await page.reload();
    await expect
      .poll(() => page.getByRole('heading', { name: receiver.url }).isVisible())
      .toBe(true);
    expect(await page.locator('pre.secret').count()).toBe(0);

    // Send a test: the worker delivers it and the log shows the 200 with its latency and excerpt.
    await page.getByRole('button', { name: 'Send test' }).click();
    const log = page.getByRole('region', { name: 'Delivery log' });
    await expect
      .poll(() => log.locator('tbody tr').first().textContent(), { timeout: 15_000 })
      .toMatch(/webhook\.test.*succeeded.*200 in \d+ ms.*thanks/s);
    expect(receiver.received.some((r) => r.body.includes('webhook.test'))).toBe(true);

    // Retry a delivery: it goes again and succeeds again.
    const before = receiver.received.length;
    await log.getByRole('button', { name: /^Retry the webhook\.test delivery/ }).click();
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(before + 1);

    // Rotate (confirmed): a new secret, shown once.
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page
      .getByRole('dialog', { name: 'Rotate the signing secret?' })
      .getByRole('button', { name: 'Rotate' })
      .click();
    const rotated = page.getByRole('dialog', { name: 'The new signing secret' });
    await expect.poll(() => rotated.locator('pre.secret').textContent()).toMatch(/^whsec_/);
    await rotated.getByRole('button', { name: 'Close' }).click();

    // Disable, enable.
    await page.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Enable' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Send test' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Disable' }).isVisible()).toBe(true);

    // An endpoint Allot disabled after failures is a warning on the dashboard, linking here.
    await harness.server.db
      .updateTable('webhook_endpoints')
      .set({ enabled: false, disabled_reason: 'Failed for 3 days in a row' })
      .where('id', '=', endpointId)
      .execute();
    await page.goto('/');
    const warning = page.getByRole('list', { name: 'Failing webhooks' });
    await expect
      .poll(() => warning.textContent())
      .toContain(`Webhook ${receiver.url} is disabled: Failed for 3 days in a row`);
    await warning.getByRole('link', { name: receiver.url }).click();
    await expect
      .poll(() => page.getByText('Disabled by Allot: Failed for 3 days in a row').isVisible())
      .toBe(true);

    // Delete (confirmed).
    await page.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete this endpoint?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await expect.poll(() => page.getByText('No webhook endpoints.').isVisible()).toBe(true);
    expect(new URL(page.url()).searchParams.get('endpoint')).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('the Credits tab: low balance', () => {
  it('sets balance alerts and an auto top-up that persist across a reload, and removes the top-up', async () => {
    const admin = await partnerWithAdmin(harness.server, { poolCredits: 5000 });
    const created = await harness.server.request('POST', '/partner/organizations', {
      apiKey: admin.apiKey,
      body: { name: 'Topped up', tier: 'paid', initialCredits: 400 },
    });
    const id = created.body.organization.id as string;
    const { page, context, errors } = await openApp(harness, `/organizations/${id}/credits`);
    await signIn(page, admin.email, admin.password);

    const alerts = page.getByRole('form', { name: 'Balance alerts' });
    await alerts.getByRole('button', { name: 'Add threshold' }).click();
    await alerts.getByLabel('Threshold 1', { exact: true }).fill('50');
    await alerts.getByRole('button', { name: 'Add threshold' }).click();
    await alerts.getByLabel('Threshold 2 in').selectOption('percent');
    await alerts.getByLabel('Threshold 2', { exact: true }).fill('150');
    await alerts.getByRole('button', { name: 'Save alerts' }).click();
    // Over 100 percent is refused by the shared schema before sending.
    await expect.poll(() => alerts.locator('.field-error').textContent()).toMatch(/100/);
    await alerts.getByLabel('Threshold 2', { exact: true }).fill('20');
    await alerts.getByRole('button', { name: 'Save alerts' }).click();
    await expect.poll(() => alerts.getByRole('button', { name: 'Saved' }).isVisible()).toBe(true);

    const topUp = page.getByRole('region', { name: 'Auto top-up' });
    await topUp.getByLabel('When the balance falls to').fill('100');
    await topUp.getByLabel('Grant this many credits').fill('250');
    await topUp.getByLabel('At most, per billing period').fill('3');
    await topUp.getByLabel('Expire after days (optional)').fill('30');
    await topUp.getByRole('button', { name: 'Turn on auto top-up' }).click();
    await expect
      .poll(() => topUp.getByText('On: 250 credits when the balance falls to 100.').isVisible())
      .toBe(true);

    await page.reload();
    await expect
      .poll(() => alerts.getByLabel('Threshold 1', { exact: true }).inputValue())
      .toBe('50');
    expect(await alerts.getByLabel('Threshold 1 in').inputValue()).toBe('credits');
    expect(await alerts.getByLabel('Threshold 2 in').inputValue()).toBe('percent');
    expect(await alerts.getByLabel('Threshold 2', { exact: true }).inputValue()).toBe('20');
    await expect.poll(() => topUp.getByLabel('Grant this many credits').inputValue()).toBe('250');
    expect(await topUp.getByLabel('When the balance falls to').inputValue()).toBe('100');
    expect(await topUp.getByLabel('At most, per billing period').inputValue()).toBe('3');
    expect(await topUp.getByLabel('Expire after days (optional)').inputValue()).toBe('30');
    await expect.poll(() => topUp.getByText('No top-ups yet.').isVisible()).toBe(true);

    await topUp.getByRole('button', { name: 'Remove auto top-up' }).click();
    await page
      .getByRole('dialog', { name: 'Turn off auto top-up?' })
      .getByRole('button', { name: 'Remove' })
      .click();
    await expect.poll(() => topUp.getByText('Off.').isVisible()).toBe(true);
    await page.reload();
    await expect.poll(() => topUp.getByText('Off.').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
