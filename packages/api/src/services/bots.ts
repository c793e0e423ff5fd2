import { isbot } from 'isbot';
import type { IngestEvent } from '@allot/domain';

/**
 * Whether an event comes from a crawler or an automated browser: one that says so itself (the
 * pixel flags `navigator.webdriver`), one whose user agent the maintained `isbot` list knows
 * (crawlers, HTTP libraries, headless browsers), or one with no user agent, which no browser
 * omits. Such events are counted as bots and never stored, identified or charged.
 */
export function isBotEvent(event: IngestEvent, userAgent: string | null): boolean {
  return event.b === 1 || !userAgent || isbot(userAgent);
}
