import { formatNumber } from '../format.ts';

export interface Series {
  label: string;
  color: string;
  values: number[];
}

interface ChartProps {
  title: string;
  /** One label per point (days, unless said otherwise). */
  labels: string[];
  series: Series[];
  /** What a point is, heading the table's first column. */
  labelHeading?: string;
  /** A point's label under its bars: by default a day's month and day. */
  axisLabel?: (label: string) => string;
}

const monthAndDay = (label: string) => label.slice(5);

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 12, right: 8, bottom: 28, left: 44 };

/** A round upper bound for the axis: 1, 2 or 5 times a power of ten. */
function niceMax(value: number) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return (
    [1, 2, 5].map((step) => step * power).find((candidate) => candidate >= value) ?? 10 * power
  );
}

/**
 * Grouped bars per day, drawn as SVG (no chart library: a few hundred bytes instead of tens of
 * kilobytes). The figures are also in a table for screen readers and for copying.
 */
export function BarChart({
  title,
  labels,
  series,
  labelHeading = 'Day',
  axisLabel = monthAndDay,
}: ChartProps) {
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(labels.length, 1);
  const bar = Math.max(1, (slot * 0.8) / series.length);
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  const every = Math.ceil(labels.length / 10);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} aria-hidden="true" focusable="false">
        {[0, 0.5, 1].map((share) => (
          <g key={share}>
            <line
              x1={PAD.left}
              x2={WIDTH - PAD.right}
              y1={y(max * share)}
              y2={y(max * share)}
              stroke="#e2e8f0"
            />
            <text x={PAD.left - 6} y={y(max * share) + 4} textAnchor="end">
              {formatNumber(max * share)}
            </text>
          </g>
        ))}
        {labels.map((label, i) => (
          <g key={label}>
            {series.map((s, j) => {
              const value = s.values[i] ?? 0;
              return (
                <rect
                  key={s.label}
                  x={PAD.left + i * slot + slot * 0.1 + j * bar}
                  y={y(value)}
                  width={bar}
                  height={Math.max(0, PAD.top + plotHeight - y(value))}
                  fill={s.color}
                >
                  <title>{`${label}: ${formatNumber(value)} ${s.label.toLowerCase()}`}</title>
                </rect>
              );
            })}
            {i % every === 0 && (
              <text x={PAD.left + i * slot + slot / 2} y={HEIGHT - 8} textAnchor="middle">
                {axisLabel(label)}
              </text>
            )}
          </g>
        ))}
      </svg>
      <figcaption>
        <ul className="legend">
          {series.map((s) => (
            <li key={s.label}>
              <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
      <details>
        <summary>{title} as a table</summary>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{labelHeading}</th>
                {series.map((s) => (
                  <th scope="col" key={s.label} className="numeric">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((label, i) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  {series.map((s) => (
                    <td key={s.label} className="numeric">
                      {formatNumber(s.values[i] ?? 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
