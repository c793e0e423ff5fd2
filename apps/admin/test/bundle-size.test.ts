// The admin app's first load stays small: what index.html makes the browser fetch before anything
// shows (the entry and the chunks it preloads) weighs at most 200 KB gzipped, and the screens,
// charts included, are chunks of their own that load when opened.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminDist, ensureAdminBuild } from '../scripts/build.ts';

const BUDGET = 200 * 1024;

let html: string;
beforeAll(async () => {
  await ensureAdminBuild();
  html = readFileSync(join(adminDist, 'index.html'), 'utf8');
}, 300_000);

const gzipped = (file: string) =>
  gzipSync(readFileSync(join(adminDist, file)), { level: 9 }).length;

/** The scripts index.html loads or preloads: the initial JavaScript. */
function initialScripts(): string[] {
  const files = [
    ...html.matchAll(/<script[^>]+src="\/([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+\.js)"/g),
  ].flatMap(([, file]) => (file === undefined ? [] : [file]));
  return [...new Set(files)];
}

describe('the admin bundle', () => {
  it(`loads at most ${BUDGET / 1024} KB of gzipped JavaScript first`, () => {
    const scripts = initialScripts();
    expect(scripts.length).toBeGreaterThan(0);
    const total = scripts.reduce((sum, file) => sum + gzipped(file), 0);
    console.log(
      `admin initial JavaScript: ${(total / 1024).toFixed(1)} KB gzipped (${scripts.join(', ')})`,
    );
    expect(total).toBeLessThanOrEqual(BUDGET);
  });

  it("bundles React's production build, even when built from inside the test run", () => {
    const initial = initialScripts().map((file) => readFileSync(join(adminDist, file), 'utf8'));
    // A warning only React's development build carries.
    for (const code of initial) expect(code).not.toContain('unique "key" prop');
  });

  it('splits the screens off the first load, the charts with them', () => {
    const initial = initialScripts().map((file) => readFileSync(join(adminDist, file), 'utf8'));
    const chunks = readdirSync(join(adminDist, 'assets')).filter((file) => file.endsWith('.js'));
    for (const screen of ['dashboard', 'usage', 'organizations', 'page', 'credits', 'team'])
      expect(
        chunks.some((file) => file.startsWith(`${screen}-`)),
        screen,
      ).toBe(true);
    // The chart's own words are nowhere in the first load.
    for (const code of initial) expect(code).not.toContain('as a table');
  });
});
