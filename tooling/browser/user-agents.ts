/**
 * What test traffic presents itself as. The server counts an event from a user agent the `isbot`
 * list knows (Node's fetch is `node`, headless Chromium says `HeadlessChrome`) as a bot's and
 * never identifies it, so a test that stands for a visitor says it is a desktop Chrome.
 */
export const VISITOR_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** A few crawlers and tools of the `isbot` list, for tests of what a bot costs (nothing). */
export const BOT_USER_AGENTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'curl/8.5.0',
  'python-requests/2.31.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
] as const;
