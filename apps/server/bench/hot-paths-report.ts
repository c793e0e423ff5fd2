import { median } from './setup.ts';
import type { LoadResult } from './wrk.ts';

/** One row of the goals table, as hot-paths.bench.ts defines its cases. */
export interface Row {
  label: string;
  /** What other rows call it: a floor's name in their floor column. */
  name: string;
  /** The floor this case is compared to, by name; none for a floor. */
  floor?: string;
  /** The least share of the floor's requests per second that meets the goal. */
  goal?: number;
  /** Requests per second before this work (see docs/benchmarks.md); none for a new case. */
  before?: number;
  /** Another floor shown beside the goal's (no goal of its own): how much of the gap is the database's. */
  alsoVs?: string;
  /** p99 latency goal in ms, with its figure before this work, where the case has one. */
  p99Goal?: { belowMs: number; beforeMs: number };
}

export interface Measured {
  row: Row;
  rounds: LoadResult[];
  /** Why a round's figure cannot be trusted, besides non-2xx answers and socket errors. */
  problems: string[];
}

const rate = (n: number) => Math.round(n).toLocaleString('en');
const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;

export function errorsOf({ rounds, problems }: Measured): string[] {
  const non2xx = rounds.reduce((sum, r) => sum + r.non2xx, 0);
  const socket = rounds.reduce((sum, r) => sum + r.socketErrors, 0);
  return [
    ...(non2xx > 0 ? [`${non2xx.toLocaleString('en')} non-2xx`] : []),
    ...(socket > 0 ? [`${socket.toLocaleString('en')} socket errors`] : []),
    ...problems,
  ];
}

const medianRate = (m: Measured) => median(m.rounds.map((r) => r.perSecond));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * The goals table (Markdown, as docs/benchmarks.md shows it): per case the median requests per
 * second over the rounds with their min–max, the median p99, the ratio of the median to its
 * floor's median, the goal and whether it is met. A case with any error is marked and never
 * judged: its figure counts requests that failed.
 */
export function goalsTable(measured: Measured[]): string {
  const byName = new Map(measured.map((m) => [m.row.name, m]));
  const rows: string[][] = [];
  for (const m of measured) {
    const { row } = m;
    const rates = m.rounds.map((r) => r.perSecond);
    const floor = row.floor === undefined ? undefined : byName.get(row.floor);
    const ratio = floor ? medianRate(m) / medianRate(floor) : undefined;
    const errors = [
      ...errorsOf(m),
      ...(floor && errorsOf(floor).length > 0 ? ['floor had errors'] : []),
    ];
    const beforeFloor = floor?.row.before;
    const verdict =
      errors.length > 0
        ? `**errors: ${errors.join(', ')}**`
        : ratio === undefined || row.goal === undefined
          ? '–'
          : ratio >= row.goal
            ? 'met'
            : '**missed**';
    rows.push([
      row.label,
      row.before === undefined
        ? '–'
        : beforeFloor
          ? `${rate(row.before)} (${percent(row.before / beforeFloor)})`
          : rate(row.before),
      rate(medianRate(m)),
      `${rate(Math.min(...rates))}–${rate(Math.max(...rates))}`,
      median(m.rounds.map((r) => r.p99Ms)).toFixed(1),
      row.floor ?? '–',
      ratio === undefined ? '–' : percent(ratio),
      row.goal === undefined ? '–' : `≥ ${percent(row.goal)}`,
      verdict,
    ]);
    const other = row.alsoVs === undefined ? undefined : byName.get(row.alsoVs);
    if (other) {
      rows.push([
        `${row.label}, against ${other.row.name}`,
        '–',
        rate(medianRate(m)),
        '',
        '',
        other.row.name,
        percent(medianRate(m) / medianRate(other)),
        '–',
        errorsOf(other).length > 0 ? '**floor had errors**' : '–',
      ]);
    }
    if (row.p99Goal) {
      const p99s = m.rounds.map((r) => r.p99Ms);
      const p99 = median(p99s);
      rows.push([
        `${row.label}, p99 latency`,
        `${row.p99Goal.beforeMs} ms`,
        `${p99.toFixed(1)} ms`,
        `${Math.min(...p99s).toFixed(1)}–${Math.max(...p99s).toFixed(1)} ms`,
        '',
        '–',
        '–',
        `< ${row.p99Goal.belowMs} ms`,
        errors.length > 0 ? '**errors**' : p99 < row.p99Goal.belowMs ? 'met' : '**missed**',
      ]);
    }
  }
  return table(
    [
      'case',
      'before req/s (vs floor)',
      'req/s (median)',
      'min–max',
      'p99 ms',
      'floor',
      'vs floor',
      'goal',
      'verdict',
    ],
    rows,
  );
}
