// Calls /trpc as the admin app does: with the session cookie, the CSRF header, or an API key.
import type { TestServer } from './harness.ts';

export interface TrpcCall {
  input?: unknown;
  cookie?: string;
  csrf?: string;
  apiKey?: string;
}

export interface TrpcAnswer {
  status: number;
  data: any;
  error: any;
  headers: Headers;
}

export async function trpc(
  server: TestServer,
  type: 'query' | 'mutation',
  path: string,
  call: TrpcCall = {},
): Promise<TrpcAnswer> {
  const headers: Record<string, string> = {};
  if (call.cookie) headers.cookie = call.cookie;
  if (call.csrf !== undefined) headers['x-allot-csrf'] = call.csrf;
  if (call.apiKey) headers['x-partner-api-key'] = call.apiKey;
  let response: Response;
  if (type === 'query') {
    const query =
      call.input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(call.input))}`;
    response = await fetch(`${server.url}/trpc/${path}${query}`, { headers });
  } else {
    headers['content-type'] = 'application/json';
    response = await fetch(`${server.url}/trpc/${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(call.input ?? null),
    });
  }
  const body = (await response.json()) as { result?: { data: unknown }; error?: unknown };
  return {
    status: response.status,
    data: body.result?.data,
    error: body.error,
    headers: response.headers,
  };
}

/** The session cookie a response set, as a Cookie header, or null. */
export function sessionCookieOf(headers: Headers): string | null {
  const set = headers.getSetCookie().find((line) => line.startsWith('allot_session='));
  if (!set) return null;
  const [cookie = ''] = set.split(';'); // a split has at least one part
  return cookie;
}

/** Signs in; returns the cookie and CSRF token the browser would hold. */
export async function signIn(server: TestServer, email: string, password: string) {
  const answer = await trpc(server, 'mutation', 'auth.login', {
    input: { email, password },
    csrf: '1',
  });
  if (answer.status !== 200)
    throw new Error(`signIn: ${answer.status} ${JSON.stringify(answer.error)}`);
  const cookie = sessionCookieOf(answer.headers);
  if (!cookie) throw new Error('signIn: no session cookie');
  return { cookie, csrf: answer.data.csrfToken as string, session: answer.data };
}

let partners = 0;

/** A partner onboarded with an admin user (through the operator API), signed in. */
export async function partnerWithAdmin(
  server: TestServer,
  overrides: Record<string, unknown> = {},
) {
  partners += 1;
  const email = `admin${partners}-${Math.random().toString(36).slice(2, 8)}@agency.example`;
  const password = 'correct horse battery';
  const created = await server.createPartner({ admin: { email, password }, ...overrides });
  const signedIn = await signIn(server, email, password);
  return { ...created, email, password, ...signedIn };
}
