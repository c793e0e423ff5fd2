/**
 * The Allot pixel: the script a client's site embeds with
 *
 *   <script src="https://allot.example.com/script.js?key=KEY" data-key="KEY" defer></script>
 *
 * It sends `pageview` (on load and on every SPA navigation), `engage` (seconds the page was
 * visible, when it is hidden or left) and `identify` (an email the site hands over) to `/collect`
 * on the script's own origin, as the one-letter JSON of `ingestEventSchema` (@allot/domain).
 *
 * Attributes of the tag:
 *   data-key    the organization's pixel key (else the `key` query parameter of src)
 *   data-bots   track browsers driven by automation (`navigator.webdriver` true) as visitors;
 *               by default their events say so (`b`), and the server counts them as bots, never
 *               identified or charged: crawlers and test runners are not visitors
 *
 * The site may call `allot('identify', {email})` at any time, even before the script has loaded,
 * given this stub ahead of the tag (queued calls are replayed once the script runs):
 *
 *   window.allot=window.allot||function(){(allot.q=allot.q||[]).push(arguments)}
 *
 * It runs on other people's sites, so: no dependency, every byte argued for (the budget is 1,000
 * bytes gzipped, held by test/size.test.ts), and nothing it does may throw into the page. Shaped
 * for esbuild's minifier and gzip: whatever is named twice is a local (mangled to one letter),
 * strings repeat verbatim (gzip makes a repeat a back-reference), no syntax past the build
 * target so nothing is lowered into helpers.
 */
import type { IngestEvent } from '@allot/domain';

type Allot = ((command: string, options?: { email?: string }) => void) & {
  q?: [string, { email?: string }?][];
};

// One try around everything that runs now: a missing API (an old browser, a hostile sandbox where
// document.cookie throws) or a tag without key ends the pixel quietly, never in the site's
// error handlers. What runs later (listeners, the history wrappers, allot()) cannot throw: all of
// it goes through send(), which catches.
try {
  const w = window as Window & { allot?: Allot };
  const d = document;
  const n = navigator;
  const ID = 'allot_id';
  const tag = d.currentScript as HTMLScriptElement;
  const data = tag.dataset;
  const key = data.key || new URL(tag.src).searchParams.get('key');
  // The contract: events go to the origin the script itself was served from.
  const endpoint = new URL('/collect', tag.src);

  // Set when the browser says it is automated: the server counts its events as a bot's.
  const b = n.webdriver && !('bots' in data) ? 1 : undefined;

  if (key) {
    // 5 random uint32s joined by '-': 9 to 54 characters of [0-9-], always inside the server's
    // ^[A-Za-z0-9_-]{8,64}$, 160 random bits. (crypto.randomUUID would be shorter but exists only
    // on https pages.)
    const fresh = crypto.getRandomValues(new Uint32Array(5)).join('-');
    let visitor: string | undefined;
    try {
      // localStorage first: unlike a cookie it never rides along on the site's own requests.
      localStorage.setItem(ID, (visitor = localStorage.getItem(ID) || fresh));
    } catch {
      // Storage blocked or full (cookie settings, Safari's old private mode): a first-party
      // cookie. The pattern only ever yields a valid id, even from a tampered cookie.
      const cookie = () => (/allot_id=([\w-]{8,64})/.exec(d.cookie) || [])[1];
      d.cookie = ID + '=' + (cookie() || fresh) + ';max-age=31536000;path=/;samesite=lax';
      // Read back: with cookies blocked too, every page would be a new visitor (and a credit
      // spent identifying it again), so such a browser is not tracked at all.
      visitor = cookie();
    }

    if (visitor) {
      /** The current page's URL without its fragment; '' until the first pageview. */
      let url = '';
      /** performance.now() when the page last became visible; 0 while hidden. */
      let since = 0;
      /** Visible milliseconds not sent yet. */
      let unsent = 0;

      const send = (e: IngestEvent['e'], extra: Pick<IngestEvent, 'r' | 's' | 'm'>) => {
        try {
          const body = JSON.stringify({ k: key, v: visitor, e, u: url, b, ...extra });
          // sendBeacon outlives the page and sends text/plain: no CORS preflight. It is missing
          // in some webviews, throws when an extension stubs it badly, and answers false when the
          // browser declines to queue it: then fetch, keepalive to outlive the page too (a string
          // body is text/plain as well), its rejection swallowed.
          try {
            if (n.sendBeacon(endpoint, body)) return;
          } catch {
            // fall through to fetch
          }
          fetch(endpoint, { method: 'POST', body, keepalive: true }).catch(() => 0);
        } catch {
          // fetch gone as well: the event is lost, the page is not
        }
      };

      /**
       * Engaged time: adds the visible time since the last call, restarts the clock if the page
       * is visible (stops it if hidden or `gone`), and sends the whole seconds, keeping the
       * remainder so that short visible spells add up. performance.now() is monotonic, so a
       * clock change cannot make a negative count. (The server refuses more than 86,400 s in
       * one event: a tab visible a whole day without once being hidden; not worth a Math.min.)
       */
      const tick = (gone?: unknown) => {
        const now = performance.now();
        if (since) unsent += now - since;
        since = gone || d.hidden ? 0 : now;
        const s = (unsent / 1e3) | 0;
        if (s) {
          unsent -= s * 1e3;
          send('engage', { s });
        }
      };

      /**
       * A pageview when the URL changed. Fragment-only changes are not pageviews: in-page anchors
       * fire popstate and would count every click in a table of contents (the price: a
       * hash-routed SPA counts its first page only). The fragment is left out of `u` too: it
       * never reaches servers by design, and OAuth's implicit flow puts tokens in it.
       */
      const page = () => {
        const next = location.href.split('#')[0] as string;
        if (next != url) {
          // The page being left gets its engaged time, sent with its own URL.
          tick();
          // An SPA navigation's referrer is the page it came from, as a full page load's is.
          const r = url || d.referrer;
          url = next;
          send('pageview', { r: r || undefined });
        }
      };

      page();
      addEventListener('popstate', page);
      // pushState and replaceState fire no event: wrap them, only where they exist, since adding
      // a function the site feature-tests for would change what the site does.
      for (const method of ['pushState', 'replaceState'] as const) {
        // Called with history as `this` below; bind() would cost bytes and need a check first.
        // eslint-disable-next-line @typescript-eslint/unbound-method
        const original = history[method];
        if (original)
          history[method] = (...args) => {
            original.apply(history, args);
            page();
          };
      }
      d.addEventListener('visibilitychange', () => tick());
      // Safari has not always fired visibilitychange when a page is left. After one of the two,
      // the other finds the clock stopped and sends nothing.
      addEventListener('pagehide', tick);

      const queued = w.allot && w.allot.q;
      const allot: Allot = (command, options) => {
        const m = command == 'identify' && options && options.email;
        if (m) send('identify', { m });
      };
      w.allot = allot;
      if (queued) for (const args of queued) allot(...args);
    }
  }
} catch {
  // see above
}
