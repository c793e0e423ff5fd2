// The pixel in a real browser: a headless Chromium loads pages from one origin
// (http://localhost:PORT) that embed the built script from another (http://127.0.0.1:PORT), as a
// client's site embeds Allot's, and a node:http server records what reaches /collect.
import { ingestEventSchema, type IngestEvent } from '@allot/domain';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from '@allot/browser-testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPixel } from '../src/build.ts';
import { launchChromium } from '@allot/browser-testing';

interface Hit {
  event: IngestEvent;
  headers: IncomingHttpHeaders;
}

const VISITOR_ID = /^[A-Za-z0-9_-]{8,64}$/;
// What a visitor's browser looks like: navigator.webdriver false.
const AS_VISITOR = ['--disable-blink-features=AutomationControlled'];

let script = '';
const hits: Hit[] = [];
/** Anything the pixel must never cause: invalid bodies, CORS preflights. */
const problems: string[] = [];
let site = ''; // the client's site
let collector = ''; // Allot

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'OPTIONS') {
    problems.push(`preflight ${req.url}`);
    res.writeHead(204).end();
  } else if (req.method === 'POST' && url.pathname === '/collect') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const parsed = ingestEventSchema.safeParse(JSON.parse(body));
      if (parsed.success) hits.push({ event: parsed.data, headers: req.headers });
      else problems.push(`invalid event ${body}: ${parsed.error.message}`);
      // As the real server answers; no CORS headers, so the fetch fallback's promise rejects.
      res.writeHead(202).end();
    });
  } else if (url.pathname === '/script.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
  } else {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html(url));
  }
});

/**
 * A page of the client's site, shaped by its query: `key` (the pixel key, required), `nodatakey`
 * (the tag without data-key), `bots` (data-bots), `stub` (the allot() stub and an identify call
 * ahead of the tag).
 */
function html(url: URL): string {
  const key = url.searchParams.get('key') ?? '';
  const q = (name: string) => url.searchParams.has(name);
  return `<!doctype html><html><head><title>${url.pathname}</title>
<script>window.globalsBefore = Object.keys(window);</script>
${
  q('stub')
    ? `<script>window.allot=window.allot||function(){(allot.q=allot.q||[]).push(arguments)};
allot('identify', {email: 'early@example.com'});</script>`
    : ''
}
<script src="${collector}/script.js?key=${key}"${q('nodatakey') ? '' : ` data-key="${key}"`}${q('bots') ? ' data-bots' : ''} defer></script>
</head><body><p>${url.pathname}</p></body></html>`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The events of one pixel key, once there are at least `count` (each test uses its own key). */
async function eventsOf(key: string, count: number, timeout = 5_000): Promise<IngestEvent[]> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const events = hits.filter((hit) => hit.event.k === key).map((hit) => hit.event);
    if (events.length >= count) return events;
    if (Date.now() > deadline)
      throw new Error(`${events.length} of ${count} events for ${key}: ${JSON.stringify(events)}`);
    await sleep(20);
  }
}

const ofKind = (events: IngestEvent[], e: IngestEvent['e']) => events.filter((x) => x.e === e);

/**
 * A positive signal that whatever the pixel sent from `page` so far has arrived: the page sends a
 * marker event of its own, as the pixel sends (a beacon to /collect), and once the marker has
 * arrived anything queued before it has too. Tests wait on it before asserting that nothing came.
 */
async function settled(page: Page, key: string): Promise<void> {
  const marker = `${key}-settled`;
  await page.evaluate(
    ([endpoint, k]) =>
      navigator.sendBeacon(
        endpoint,
        JSON.stringify({ k, v: 'settled-marker', e: 'pageview', u: location.href }),
      ),
    [`${collector}/collect`, marker] as const,
  );
  await eventsOf(marker, 1);
}

let browser: Browser;
const open: BrowserContext[] = [];
let pageErrors: string[] = [];

/** A fresh browser profile (own storage and cookies); uncaught page errors are collected. */
async function newPage(
  options: { initScript?: () => void; in?: Browser } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await (options.in ?? browser).newContext();
  open.push(context);
  if (options.initScript) await context.addInitScript(options.initScript);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { context, page };
}

/** Loads a page of the client's site and waits until the deferred pixel has run. */
async function visit(page: Page, path: string, referer?: string): Promise<void> {
  await page.goto(`${site}${path}`, referer ? { referer } : {});
  await page.waitForLoadState('load');
}

describe('the pixel in Chromium', () => {
  beforeAll(async () => {
    script = await buildPixel();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    site = `http://localhost:${port}`;
    collector = `http://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((context) => context.close()));
    const errors = pageErrors;
    pageErrors = [];
    expect(errors, 'uncaught errors in the page').toEqual([]);
    expect(problems).toEqual([]);
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  describe("in a visitor's browser", () => {
    beforeAll(async () => {
      browser = await launchChromium(AS_VISITOR);
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('sends a pageview on load, with a visitor id kept across reloads and a global only for allot', async () => {
      const { page, context } = await newPage();
      await visit(page, '/landing?key=load#section', 'https://search.example/');
      const [first] = await eventsOf('load', 1);
      expect(first).toEqual({
        k: 'load',
        v: expect.stringMatching(VISITOR_ID),
        e: 'pageview',
        // The fragment stays out.
        u: `${site}/landing?key=load`,
        r: 'https://search.example/',
      });
      const hit = hits.find((h) => h.event === first);
      // text/plain: a CORS-safelisted content type, so no preflight (none was recorded).
      expect(hit?.headers['content-type']).toBe('text/plain;charset=UTF-8');
      expect(hit?.headers.host).toBe(new URL(collector).host);
      // The server checks the page's origin against the organization's allowed referrers.
      expect(hit?.headers.origin).toBe(site);
      expect(await page.evaluate(() => localStorage.getItem('allot_id'))).toBe(first?.v);
      expect(await context.cookies()).toEqual([]);
      expect(
        await page.evaluate(() => {
          const before = (window as unknown as { globalsBefore: string[] }).globalsBefore;
          return Object.keys(window).filter(
            (name) => !before.includes(name) && name !== 'globalsBefore',
          );
        }),
      ).toEqual(['allot']);

      await page.reload();
      const [, second] = await eventsOf('load', 2);
      // A reload keeps its referrer, as the browser does.
      expect(second).toEqual(first);

      // Another browser is another visitor.
      const other = await newPage();
      await visit(other.page, '/landing?key=load');
      const events = await eventsOf('load', 3);
      expect(events[2]?.v).toMatch(VISITOR_ID);
      expect(events[2]?.v).not.toBe(first?.v);
      // No referrer: the key is left out, not sent empty.
      expect(events[2]).not.toHaveProperty('r');
    });

    it("reads the key from the src's query when the tag has no data-key", async () => {
      const { page } = await newPage();
      await visit(page, '/p?key=fromsrc&nodatakey');
      expect(await eventsOf('fromsrc', 1)).toMatchObject([{ k: 'fromsrc', e: 'pageview' }]);
    });

    it('follows SPA navigation: pushState, replaceState, popstate; fragments are not pageviews', async () => {
      const { page } = await newPage();
      const start = `${site}/app?key=spa`;
      await visit(page, '/app?key=spa');
      await eventsOf('spa', 1);

      await page.evaluate(() => history.pushState({}, '', '/app/a'));
      await eventsOf('spa', 2);
      await page.evaluate(() => history.replaceState({}, '', '/app/a?tab=2'));
      await eventsOf('spa', 3);
      // Not pageviews: the same URL again, a fragment link, a fragment pushed.
      await page.evaluate(() => {
        history.replaceState({ other: 'state' }, '');
        location.hash = 'faq';
        history.pushState({}, '', '/app/a?tab=2#more');
      });
      await page.evaluate(() => history.pushState({}, '', '/app/b'));
      await eventsOf('spa', 4);
      // Back past the two fragment entries, to /app/a?tab=2: popstate, a pageview.
      await page.evaluate(() => history.go(-3));
      const events = await eventsOf('spa', 5);
      await settled(page, 'spa');

      expect(
        ofKind(
          hits.map((h) => h.event).filter((e) => e.k === 'spa'),
          'pageview',
        ),
      ).toHaveLength(5);
      const pageviews = events.map(({ u, r }) => ({ u, r }));
      // Each SPA pageview's referrer is the page before it. (Beacons may arrive in any order.)
      expect(pageviews).toEqual(
        expect.arrayContaining([
          { u: start, r: undefined },
          { u: `${site}/app/a`, r: start },
          { u: `${site}/app/a?tab=2`, r: `${site}/app/a` },
          { u: `${site}/app/b`, r: `${site}/app/a?tab=2` },
          { u: `${site}/app/a?tab=2`, r: `${site}/app/b` },
        ]),
      );
      expect(new Set(events.map((e) => e.v)).size).toBe(1);
      expect(await page.evaluate(() => location.href)).toBe(`${site}/app/a?tab=2`);
    });

    it('sends engaged time when the page is left, per SPA page, with its own URL', async () => {
      const { page } = await newPage();
      await visit(page, '/read?key=leave');
      await sleep(1_200);
      // An SPA navigation closes the first page's engaged time...
      await page.evaluate(() => history.pushState({}, '', '/read/2'));
      await sleep(1_200);
      // ...and leaving the site (pagehide, the document hidden as it unloads) the second's.
      await page.goto('about:blank');
      const engaged = ofKind(await eventsOf('leave', 4), 'engage');
      expect(engaged).toHaveLength(2);
      expect(engaged).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ u: `${site}/read?key=leave`, s: 1 }),
          expect.objectContaining({ u: `${site}/read/2`, s: 1 }),
        ]),
      );
    });

    it('sends engaged time when the tab is closed', async () => {
      const { page } = await newPage();
      await visit(page, '/read?key=close');
      await sleep(1_100);
      await page.close({ runBeforeUnload: true });
      const [, engage] = await eventsOf('close', 2);
      expect(engage).toMatchObject({ e: 'engage', u: `${site}/read?key=close` });
      expect(engage?.s).toBeGreaterThanOrEqual(1);
    });

    it('counts only visible time, carrying fractions of a second over', async () => {
      // Headless Chromium never hides a page by itself (minimized windows and background tabs stay
      // visible), so the page's visibility is driven by hand, through the same event.
      const { page } = await newPage({
        initScript: () => {
          let hidden = false;
          Object.defineProperty(document, 'hidden', { get: () => hidden });
          Object.defineProperty(document, 'visibilityState', {
            get: () => (hidden ? 'hidden' : 'visible'),
          });
          (window as unknown as { setHidden: (h: boolean) => void }).setHidden = (h) => {
            hidden = h;
            document.dispatchEvent(new Event('visibilitychange'));
          };
        },
      });
      const setHidden = (hidden: boolean) =>
        page.evaluate(
          (h) => (window as unknown as { setHidden: (h: boolean) => void }).setHidden(h),
          hidden,
        );
      await visit(page, '/read?key=visible');
      await sleep(1_500);
      await setHidden(true); // 1.5 s: sends 1, keeps 0.5
      await setHidden(true); // still hidden: nothing
      await sleep(1_000); // hidden time does not count
      await setHidden(false);
      await sleep(700);
      await setHidden(true); // 0.5 + 0.7: sends 1, keeps 0.2
      await setHidden(false);
      await sleep(100);
      await setHidden(true); // 0.3: nothing
      await settled(page, 'visible');
      const events = hits.map((h) => h.event).filter((e) => e.k === 'visible');
      expect(ofKind(events, 'engage')).toEqual([
        expect.objectContaining({ s: 1, u: `${site}/read?key=visible` }),
        expect.objectContaining({ s: 1, u: `${site}/read?key=visible` }),
      ]);
    });

    it('keeps the visitor id in a first-party cookie when localStorage is blocked', async () => {
      // What "block third-party cookies and site data" does: the localStorage getter throws.
      const { page, context } = await newPage({
        initScript: () =>
          Object.defineProperty(window, 'localStorage', {
            get() {
              throw new DOMException('Access is denied for this document.', 'SecurityError');
            },
          }),
      });
      await visit(page, '/p?key=cookie');
      const [first] = await eventsOf('cookie', 1);
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({
        name: 'allot_id',
        value: first?.v,
        path: '/',
        sameSite: 'Lax',
      });
      const year = Date.now() / 1000 + 365 * 86_400;
      expect(Math.abs((cookie?.expires ?? 0) - year)).toBeLessThan(60);
      await page.reload();
      const [, second] = await eventsOf('cookie', 2);
      expect(second?.v).toBe(first?.v);
    });

    it('falls back to the cookie when localStorage refuses writes', async () => {
      // Safari's former private mode: storage present, every setItem a QuotaExceededError.
      const { page, context } = await newPage({
        initScript: () => {
          Storage.prototype.setItem = () => {
            throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          };
        },
      });
      await visit(page, '/p?key=quota');
      const [event] = await eventsOf('quota', 1);
      expect((await context.cookies())[0]).toMatchObject({ name: 'allot_id', value: event?.v });
    });

    it('tracks nobody when neither localStorage nor cookies work (each page would be a new visitor)', async () => {
      const { page } = await newPage({
        initScript: () => {
          Object.defineProperty(window, 'localStorage', {
            get() {
              throw new DOMException('denied', 'SecurityError');
            },
          });
          Object.defineProperty(document, 'cookie', { get: () => '', set: () => undefined });
        },
      });
      await visit(page, '/p?key=nostorage');
      await settled(page, 'nostorage');
      expect(hits.filter((h) => h.event.k === 'nostorage')).toEqual([]);
    });

    it('uses fetch with keepalive when sendBeacon is missing or declines', async () => {
      // Records what fetch is called with, then lets it through.
      const recordFetch = () => {
        const calls: { keepalive?: boolean; method?: string }[] = [];
        const fetch = window.fetch.bind(window);
        Object.assign(window, {
          fetchCalls: calls,
          fetch: (input: RequestInfo | URL, init?: RequestInit) => {
            calls.push({ keepalive: init?.keepalive, method: init?.method });
            return fetch(input, init);
          },
        });
      };
      for (const [key, breakBeacon] of [
        [
          'nobeacon',
          () => {
            delete (Navigator.prototype as Partial<Navigator>).sendBeacon;
          },
        ],
        [
          'falsebeacon',
          () => {
            Navigator.prototype.sendBeacon = () => false;
          },
        ],
      ] as const) {
        const { page, context } = await newPage({ initScript: breakBeacon });
        await context.addInitScript(recordFetch);
        const requests: { type: string; contentType: string | undefined }[] = [];
        page.on('request', (request) => {
          if (request.url().endsWith('/collect'))
            requests.push({
              type: request.resourceType(),
              contentType: request.headers()['content-type'],
            });
        });
        await visit(page, `/p?key=${key}`);
        expect(await eventsOf(key, 1)).toMatchObject([{ e: 'pageview' }]);
        expect(requests).toEqual([{ type: 'fetch', contentType: 'text/plain;charset=UTF-8' }]);
        expect(
          await page.evaluate(() => (window as unknown as { fetchCalls: unknown }).fetchCalls),
        ).toEqual([{ keepalive: true, method: 'POST' }]);
      }
      // And sendBeacon itself, when it works, for contrast.
      const { page } = await newPage();
      const types: string[] = [];
      page.on('request', (r) => r.url().endsWith('/collect') && types.push(r.resourceType()));
      await visit(page, '/p?key=beacon');
      await eventsOf('beacon', 1);
      expect(types).toEqual(['ping']);
    });

    it('replays identify calls queued before it loaded and takes later ones directly', async () => {
      const { page } = await newPage();
      await visit(page, '/p?key=identify&stub');
      await eventsOf('identify', 2);
      expect(await page.evaluate(() => 'q' in (window as unknown as { allot: object }).allot)).toBe(
        false,
      );
      await page.evaluate(() => {
        const allot = (window as unknown as { allot: (...args: unknown[]) => void }).allot;
        allot('identify', { email: 'later@example.com' });
        // Nonsense is ignored, never thrown back at the site.
        allot('identify');
        allot('identify', null);
        allot('identify', { email: '' });
        allot('unknown', { email: 'x@example.com' });
        allot();
      });
      const events = await eventsOf('identify', 3);
      await settled(page, 'identify');
      const [pageview] = ofKind(events, 'pageview');
      const identified = ofKind(
        hits.map((h) => h.event).filter((e) => e.k === 'identify'),
        'identify',
      );
      expect(identified).toHaveLength(2);
      expect(identified).toEqual(
        expect.arrayContaining(
          ['early@example.com', 'later@example.com'].map((m) =>
            expect.objectContaining({ m, v: pageview?.v, u: `${site}/p?key=identify&stub` }),
          ),
        ),
      );
    });

    it('survives a hostile page: no pushState, a throwing sendBeacon, no fetch', async () => {
      const { page } = await newPage({
        initScript: () => {
          Object.assign(history, { pushState: undefined });
          Navigator.prototype.sendBeacon = () => {
            throw new TypeError('blocked by an extension');
          };
        },
      });
      await visit(page, '/p?key=hostile');
      // sendBeacon threw: the event went by fetch.
      await eventsOf('hostile', 1);
      // The pixel installed nothing the site did not have.
      expect(
        await page.evaluate(() => [typeof history.pushState, typeof history.replaceState]),
      ).toEqual(['undefined', 'function']);

      const bare = await newPage({
        initScript: () => {
          Navigator.prototype.sendBeacon = () => {
            throw new TypeError('blocked');
          };
          delete (window as Partial<Window>).fetch;
        },
      });
      await visit(bare.page, '/p?key=bare');
      await bare.page.evaluate(() => {
        history.pushState({}, '', '/elsewhere');
        (window as unknown as { allot: (...args: unknown[]) => void }).allot('identify', {
          email: 'a@example.com',
        });
      });
      await bare.page.goto('about:blank');
      // Nothing could be sent, and nothing was thrown (afterEach checks the page errors).
      expect(hits.filter((h) => h.event.k === 'bare')).toEqual([]);
    });
  });

  describe('in an automated browser', () => {
    let automated: Browser;
    beforeAll(async () => {
      // Without AutomationControlled disabled: navigator.webdriver is true, as for any bot.
      automated = await launchChromium();
    });
    afterAll(async () => {
      await automated?.close();
    });

    it("flags the events of navigator.webdriver browsers as a bot's unless the tag has data-bots", async () => {
      const { page } = await newPage({ in: automated });
      await visit(page, '/p?key=bot');
      expect(await page.evaluate(() => navigator.webdriver)).toBe(true);
      expect(await eventsOf('bot', 1)).toMatchObject([{ e: 'pageview', b: 1 }]);

      const tagged = await newPage({ in: automated });
      await visit(tagged.page, '/p?key=botok&bots');
      const [event] = await eventsOf('botok', 1);
      expect(event).toMatchObject({ e: 'pageview' });
      expect(event).not.toHaveProperty('b');
    });
  });
});
