const numbers = new Intl.NumberFormat('en-US');

export const formatNumber = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : numbers.format(value);

const dateTime = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});
const date = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });

/** Times are shown in UTC, as periods and the ledger count them. */
export const formatDateTime = (iso: string | null | undefined) =>
  iso ? `${dateTime.format(new Date(iso))} UTC` : '—';

export const formatDate = (iso: string | null | undefined) =>
  iso ? date.format(new Date(iso)) : '—';

/** A period's last day: periods end at the exclusive instant the next one starts. */
export const formatPeriod = (period: { start: string; end: string }) =>
  `${formatDate(period.start)} – ${formatDate(new Date(new Date(period.end).getTime() - 1).toISOString())}`;

/** `YYYY-MM-DD` of a date, in UTC. */
export const isoDay = (value: Date) => value.toISOString().slice(0, 10);

export function plural(count: number, one: string, many = `${one}s`) {
  return `${formatNumber(count)} ${count === 1 ? one : many}`;
}
