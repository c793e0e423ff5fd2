import { defined } from '@allot/domain';
// Partner staff's sign-in: users created by the operator, sessions in an HttpOnly cookie,
// CSRF on every change made through a session, expiry, throttling, and roles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './expect-errors.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { partnerWithAdmin, sessionCookieOf, signIn, trpc } from './sessions.ts';
import { HOUR } from './time.ts';

let now = new Date('2030-03-10T09:00:00Z');
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ now: () => now });
});
afterAll(() => server.close());

describe('the operator creates a partner with its first admin', () => {
  it('answers the admin user, never the password, and refuses an email already taken in any case', async () => {
    const created = await server.request('POST', '/operator/partners', {
      operator: true,
      body: {
        name: 'With admin',
        billingMode: 'credit_pool',
        billingPeriod: 'monthly',
        poolCredits: 10,
        admin: { email: 'Owner@With-Admin.example', password: 'a long enough password' },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.admin).toMatchObject({
      email: 'owner@with-admin.example',
      role: 'admin',
      lastLoginAt: null,
      disabledAt: null,
    });
    expect(JSON.stringify(created.body)).not.toContain('a long enough password');
    const stored = await server.db
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', 'owner@with-admin.example')
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);

    const again = await server.request('POST', '/operator/partners', {
      operator: true,
      body: {
        name: 'Copycat',
        billingMode: 'external',
        billingPeriod: 'monthly',
        admin: { email: 'OWNER@with-admin.example', password: 'another long password' },
      },
    });
    expectError(again, 409, 'email_taken');
    // The refused request created no partner either.
    const partners = await server.request('GET', '/operator/partners', { operator: true });
    expect(partners.body.partners.map((p: { name: string }) => p.name)).not.toContain('Copycat');
  });

  it('refuses a short password with the field named', async () => {
    const response = await server.request('POST', '/operator/partners', {
      operator: true,
      body: {
        name: 'Weak',
        billingMode: 'external',
        billingPeriod: 'monthly',
        admin: { email: 'weak@example.com', password: 'short' },
      },
    });
    expectError(response, 400, 'invalid_request');
    expect(response.body.error.details[0].path).toEqual(['admin', 'password']);
  });
});

// Several cases start a server of their own and run argon2 checks in a row: on two shared
// cores, beside the rest of the suite, that has taken longer than the default 30 s.
describe('signing in', { timeout: 90_000 }, () => {
  it('sets an HttpOnly SameSite=Lax cookie (Secure on an https deployment) holding a token stored only hashed', async () => {
    const admin = await partnerWithAdmin(server);
    const login = await trpc(server, 'mutation', 'auth.login', {
      input: { email: admin.email.toUpperCase(), password: admin.password },
      csrf: '1',
    });
    expect(login.status).toBe(200);
    const setCookie = login.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(
      /^allot_session=allot_ss_[\w-]+; Max-Age=604800; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
    );
    expect(login.data).toMatchObject({
      user: { email: admin.email, role: 'admin' },
      partner: { id: admin.partner.id, name: 'Partner' },
      csrfToken: expect.any(String),
    });
    const cookie = defined(sessionCookieOf(login.headers), 'the session cookie');
    const token = defined(cookie.split('=')[1], 'the session token');
    const rows = await server.db.selectFrom('sessions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    const user = await server.db
      .selectFrom('users')
      .select('last_login_at')
      .where('email', '=', admin.email)
      .executeTakeFirstOrThrow();
    expect(user.last_login_at).toEqual(now);
  });

  it('gives one answer for a wrong password and an unknown email', async () => {
    const admin = await partnerWithAdmin(server);
    const wrong = await trpc(server, 'mutation', 'auth.login', {
      input: { email: admin.email, password: 'not the password' },
      csrf: '1',
    });
    const unknown = await trpc(server, 'mutation', 'auth.login', {
      input: { email: 'nobody@nowhere.example', password: 'not the password' },
      csrf: '1',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.error.message).toBe('Wrong email or password');
    expect(unknown.error.message).toBe(wrong.error.message);
    expect(sessionCookieOf(wrong.headers)).toBeNull();
  });

  it('refuses a sign-in without the CSRF header (a cross-site form cannot send it)', async () => {
    const admin = await partnerWithAdmin(server);
    const login = await trpc(server, 'mutation', 'auth.login', {
      input: { email: admin.email, password: admin.password },
    });
    expect(login.status).toBe(403);
    expect(login.error.data.appCode).toBe('csrf_token_invalid');
  });

  it('throttles failures per email, then per address, whatever the password', async () => {
    let clock = new Date('2030-03-10T09:00:00Z');
    const throttled = await startTestServer({
      now: () => clock,
      loginThrottle: { perEmail: 3, perIp: 6 },
    });
    const admin = await partnerWithAdmin(throttled);
    const attempt = (email: string, password: string) =>
      fetch(`${throttled.url}/trpc/auth.login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-allot-csrf': '1' },
        body: JSON.stringify({ email, password }),
      });
    for (let i = 0; i < 3; i += 1)
      expect((await attempt(admin.email, 'wrong password')).status).toBe(401);
    const blocked = await attempt(admin.email, admin.password);
    expect(blocked.status).toBe(429);
    const body = (await blocked.json()) as any;
    expect(body.error.message).toMatch(/Too many sign-in attempts; try again in 15 minutes/);
    expect(body.error.data.details.retryAfterSeconds).toBe(900);

    // Other emails from the same address: three more failures reach its limit of six.
    for (let i = 0; i < 3; i += 1)
      expect((await attempt(`other${i}@example.com`, 'wrong password')).status).toBe(401);
    const second = await partnerWithAdmin(throttled).catch((error: Error) => error.message);
    expect(second).toMatch(/429/);

    // The window passes: the right password works again.
    clock = new Date(clock.getTime() + 16 * 60_000);
    expect((await attempt(admin.email, admin.password)).status).toBe(200);
    await throttled.close();
  });

  it('checks at most the limit of passwords for concurrent wrong attempts on one email', async () => {
    const throttled = await startTestServer({ loginThrottle: { perEmail: 5, perIp: 1000 } });
    try {
      const admin = await partnerWithAdmin(throttled);
      const statuses = await Promise.all(
        Array.from({ length: 40 }, async () => {
          const response = await fetch(`${throttled.url}/trpc/auth.login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-allot-csrf': '1' },
            body: JSON.stringify({ email: admin.email, password: 'wrong password' }),
          });
          return response.status;
        }),
      );
      // A 401 is the answer of a password check; a 429 was refused before any check.
      expect(statuses.filter((status) => status === 401)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(35);
    } finally {
      await throttled.close();
    }
  });
});

describe('a session', () => {
  it('reads with the cookie alone, but changes only with its CSRF token in x-allot-csrf', async () => {
    const admin = await partnerWithAdmin(server);
    const list = await trpc(server, 'query', 'organizations.list', {
      input: {},
      cookie: admin.cookie,
    });
    expect(list.status).toBe(200);
    expect(list.data.total).toBe(0);

    const create = { input: { name: 'Via session' }, cookie: admin.cookie };
    const missing = await trpc(server, 'mutation', 'organizations.create', create);
    expect(missing.status).toBe(403);
    expect(missing.error.data.appCode).toBe('csrf_token_invalid');
    const wrong = await trpc(server, 'mutation', 'organizations.create', {
      ...create,
      csrf: 'guessed',
    });
    expect(wrong.status).toBe(403);
    expect(
      (await trpc(server, 'query', 'organizations.list', { input: {}, cookie: admin.cookie })).data
        .total,
    ).toBe(0);

    const made = await trpc(server, 'mutation', 'organizations.create', {
      ...create,
      csrf: admin.csrf,
    });
    expect(made.status).toBe(200);
    expect(made.data.organization.name).toBe('Via session');

    // API keys need no CSRF token: no browser sends them on its own.
    const byKey = await trpc(server, 'mutation', 'organizations.create', {
      input: { name: 'Via key' },
      apiKey: admin.apiKey,
    });
    expect(byKey.status).toBe(200);
  });

  it('opens REST reads (the CSV download) but no REST change', async () => {
    const admin = await partnerWithAdmin(server);
    const created = await server.request('POST', '/partner/organizations', {
      apiKey: admin.apiKey,
      body: { name: 'CSV', initialCredits: 5 },
    });
    const id = created.body.organization.id;
    const csv = await server.request('GET', `/partner/organizations/${id}/credits/ledger.csv`, {
      headers: { cookie: admin.cookie },
    });
    expect(csv.status).toBe(200);
    expect(csv.body).toContain('allocation');
    const change = await server.request('PUT', `/partner/organizations/${id}/credits`, {
      headers: { cookie: admin.cookie, 'x-allot-csrf': admin.csrf },
      body: { credits: 6 },
    });
    expectError(change, 401, 'unauthorized');
  });

  it('ends after 12 idle hours, and after 7 days however active', async () => {
    const admin = await partnerWithAdmin(server);
    const read = () => trpc(server, 'query', 'billing.get', { cookie: admin.cookie });
    now = new Date(now.getTime() + 11 * HOUR);
    expect((await read()).status).toBe(200);
    now = new Date(now.getTime() + 11 * HOUR);
    expect((await read()).status).toBe(200);
    now = new Date(now.getTime() + 12 * HOUR + 60_000);
    const idle = await read();
    expect(idle.status).toBe(401);
    expect(idle.error.message).toBe('Your session has ended; sign in again');
    expect((await trpc(server, 'query', 'auth.session', { cookie: admin.cookie })).data).toBeNull();

    const active = await signIn(server, admin.email, admin.password);
    for (let hours = 0; hours < 7 * 24 - 10; hours += 10) {
      now = new Date(now.getTime() + 10 * HOUR);
      expect((await trpc(server, 'query', 'billing.get', { cookie: active.cookie })).status).toBe(
        200,
      );
    }
    now = new Date(now.getTime() + 10 * HOUR);
    expect((await trpc(server, 'query', 'billing.get', { cookie: active.cookie })).status).toBe(
      401,
    );
  });

  it('ends at sign-out, which clears the cookie and needs the CSRF token', async () => {
    const admin = await partnerWithAdmin(server);
    const forced = await trpc(server, 'mutation', 'auth.logout', { cookie: admin.cookie });
    expect(forced.status).toBe(403);
    const out = await trpc(server, 'mutation', 'auth.logout', {
      cookie: admin.cookie,
      csrf: admin.csrf,
    });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie()[0]).toMatch(/^allot_session=; Max-Age=0; Path=\//);
    expect((await trpc(server, 'query', 'billing.get', { cookie: admin.cookie })).status).toBe(401);
  });
});

describe('the team and API keys', () => {
  it('lets an admin invite, list and disable teammates; a disabled user is signed out at once', async () => {
    const admin = await partnerWithAdmin(server);
    const invited = await trpc(server, 'mutation', 'users.create', {
      input: { email: 'Mate@Agency.example', role: 'member' },
      cookie: admin.cookie,
      csrf: admin.csrf,
    });
    expect(invited.status).toBe(200);
    expect(invited.data.user).toMatchObject({ email: 'mate@agency.example', role: 'member' });
    expect(invited.data.password).toMatch(/^[\w-]{20}$/);

    const mate = await signIn(server, 'mate@agency.example', invited.data.password);
    const team = await trpc(server, 'query', 'users.list', { cookie: mate.cookie });
    expect(team.data.users.map((u: { email: string }) => u.email)).toEqual([
      admin.email,
      'mate@agency.example',
    ]);
    // A member may not manage people or keys.
    for (const [path, input] of [
      ['users.create', { email: 'x@agency.example' }],
      ['apiKeys.create', undefined],
    ] as const) {
      const refused = await trpc(server, 'mutation', path, {
        input,
        cookie: mate.cookie,
        csrf: mate.csrf,
      });
      expect(refused.status).toBe(403);
      expect(refused.error.data.appCode).toBe('admin_only');
    }

    const self = await trpc(server, 'mutation', 'users.disable', {
      input: { userId: admin.session.user.id },
      cookie: admin.cookie,
      csrf: admin.csrf,
    });
    expect(self.status).toBe(422);
    const disabled = await trpc(server, 'mutation', 'users.disable', {
      input: { userId: invited.data.user.id },
      cookie: admin.cookie,
      csrf: admin.csrf,
    });
    expect(disabled.data.user.disabledAt).not.toBeNull();
    expect((await trpc(server, 'query', 'billing.get', { cookie: mate.cookie })).status).toBe(401);
    const again = await trpc(server, 'mutation', 'auth.login', {
      input: { email: 'mate@agency.example', password: invited.data.password },
      csrf: '1',
    });
    expect(again.status).toBe(401);
  });

  it("answers 404 for another partner's user", async () => {
    const one = await partnerWithAdmin(server);
    const other = await partnerWithAdmin(server);
    const answer = await trpc(server, 'mutation', 'users.disable', {
      input: { userId: other.session.user.id },
      cookie: one.cookie,
      csrf: one.csrf,
    });
    expect(answer.status).toBe(404);
  });

  it('lets an admin create (shown once), list and revoke API keys; an API key cannot', async () => {
    const admin = await partnerWithAdmin(server);
    const created = await trpc(server, 'mutation', 'apiKeys.create', {
      cookie: admin.cookie,
      csrf: admin.csrf,
    });
    expect(created.data.apiKey).toMatch(/^allot_sk_/);
    const works = await server.request('GET', '/partner/billing', { apiKey: created.data.apiKey });
    expect(works.status).toBe(200);

    const list = await trpc(server, 'query', 'apiKeys.list', { cookie: admin.cookie });
    expect(list.data.apiKeys).toHaveLength(2);
    const listed = list.data.apiKeys.find((k: { id: string }) => k.id === created.data.id);
    expect(listed.prefix).toBe(created.data.apiKey.slice(0, 15));
    expect(listed.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list.data)).not.toContain(created.data.apiKey);

    const byKey = await trpc(server, 'query', 'apiKeys.list', { apiKey: admin.apiKey });
    expect(byKey.status).toBe(403);

    const revoked = await trpc(server, 'mutation', 'apiKeys.revoke', {
      input: { keyId: created.data.id },
      cookie: admin.cookie,
      csrf: admin.csrf,
    });
    expect(revoked.status).toBe(200);
    const refused = await server.request('GET', '/partner/billing', {
      apiKey: created.data.apiKey,
    });
    expectError(refused, 401, 'unauthorized');
  });
});
