import { formatNumber } from '../format.ts';

interface PoolGaugeProps {
  total: number;
  allocated: number;
  used: number;
}

/**
 * The pool this period as one bar: used (consumed by organizations), allocated but not yet used,
 * and what is left to allocate.
 */
export function PoolGauge({ total, allocated, used }: PoolGaugeProps) {
  const share = (value: number) => (total > 0 ? `${Math.min(100, (value / total) * 100)}%` : '0%');
  const unusedAllocation = Math.max(0, allocated - used);
  return (
    <div>
      <div
        className="gauge"
        role="meter"
        aria-label="Pool allocated"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={allocated}
        aria-valuetext={`${formatNumber(allocated)} of ${formatNumber(total)} credits allocated`}
      >
        <div className="used" style={{ width: share(used) }} />
        <div className="allocated" style={{ width: share(unusedAllocation) }} />
      </div>
      <ul className="legend">
        <li>
          <span className="swatch" style={{ background: '#1d4ed8' }} aria-hidden="true" />
          Used
        </li>
        <li>
          <span className="swatch" style={{ background: '#93c5fd' }} aria-hidden="true" />
          Allocated, unused
        </li>
        <li>
          <span className="swatch" style={{ background: '#e2e8f0' }} aria-hidden="true" />
          Left to allocate
        </li>
      </ul>
    </div>
  );
}
