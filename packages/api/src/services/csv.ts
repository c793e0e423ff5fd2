/**
 * One CSV field. Quoted when it holds a separator, a quote or a line break; text that a
 * spreadsheet would run as a formula is prefixed with a quote mark (a decimal amount such as
 * "-5.00" is a number, not a formula).
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const formula = /^[=+\-@\t\r]/.test(value) && !/^-\d+(\.\d+)?$/.test(value);
  const safe = formula ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV row of these columns, from a record that has each of them. */
export const csvRow = <C extends string>(
  columns: readonly C[],
  record: Record<C, string | number | boolean | null>,
) => `${columns.map((column) => csvField(record[column])).join(',')}\n`;
