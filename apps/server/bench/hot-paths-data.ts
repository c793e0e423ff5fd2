import { VISITOR_USER_AGENT } from '@allot/browser-testing/user-agents';
import { defined } from '@allot/domain';
import { addressOf } from './identity-dataset.ts';

/** The page the bench's visitors view, and the site its organizations allow. */
export const SITE = 'https://shop.example';
export const PAGE = `${SITE}/pricing`;

/** The headers of a pixel event as a browser sends it (`content-type` as told). */
export const eventHeaders = (contentType: string) => ({
  'content-type': contentType,
  'user-agent': VISITOR_USER_AGENT,
  origin: SITE,
});

/** `work` over `items`, `width` at a time. */
export async function inParallel<T, R>(
  items: T[],
  width: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i] as T);
      }
    }),
  );
  return results;
}

export interface PixelOrganization {
  id: string;
  key: string;
}

/**
 * The bench's data, made over HTTP as a partner makes it: one organization for the
 * one-organization cases and `spread` more, each paid with an allowance no run exhausts and a
 * pixel that allows SITE.
 */
export async function makeOrganizations(origin: string, apiKey: string, spread: number) {
  async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await fetch(`${origin}/api/v1${path}`, {
      ...init,
      headers: { 'x-partner-api-key': apiKey, 'content-type': 'application/json' },
    });
    const body = (await response.json()) as T;
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  }
  async function organization(name: string): Promise<PixelOrganization> {
    const { organization } = await call<{ organization: { id: string } }>(
      '/partner/organizations',
      {
        method: 'POST',
        body: JSON.stringify({ name, tier: 'paid', initialCredits: 1_000_000_000 }),
      },
    );
    const pixel = `/partner/organizations/${organization.id}/pixel`;
    await call(pixel, { method: 'PUT', body: JSON.stringify({ allowedReferrers: [SITE] }) });
    return {
      id: organization.id,
      key: defined((await call<{ apiKey?: string }>(pixel)).apiKey, 'a pixel key'),
    };
  }
  const hot = await organization('Hot shop');
  const names = Array.from({ length: spread }, (_, i) => `Shop ${i}`);
  return { hot, spread: await inParallel(names, 4, organization) };
}

/**
 * Sends one page view of each of `count` visitors (`visitor-repeat-0`…), visitor i from address i of the
 * dataset, so each is identified and charged once, before the repeat case measures them.
 */
export async function identifyRepeatVisitors(origin: string, key: string, count: number) {
  const visitors = Array.from({ length: count }, (_, i) => i);
  await inParallel(visitors, 8, async (i) => {
    const response = await fetch(`${origin}/collect`, {
      method: 'POST',
      headers: { ...eventHeaders('text/plain;charset=UTF-8'), 'x-forwarded-for': addressOf(i) },
      body: JSON.stringify({ k: key, v: `visitor-repeat-${i}`, e: 'pageview', u: PAGE }),
    });
    await response.arrayBuffer();
    if (response.status !== 202) throw new Error(`collect: ${response.status}`);
  });
}
