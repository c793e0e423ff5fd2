import { formatNumber } from '../format.ts';

interface PagerProps {
  page: number;
  pageCount: number;
  total?: number;
  onPage: (page: number) => void;
  label?: string;
}

export function Pager({ page, pageCount, total, onPage, label = 'Pages' }: PagerProps) {
  if (pageCount <= 1 && total === undefined) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button
        type="button"
        className="button"
        disabled={page <= 1}
        onClick={() => onPage(page - 1)}
      >
        Previous
      </button>
      <span>
        Page {formatNumber(page)} of {formatNumber(Math.max(pageCount, 1))}
        {total !== undefined && ` · ${formatNumber(total)} in all`}
      </span>
      <button
        type="button"
        className="button"
        disabled={page >= pageCount}
        onClick={() => onPage(page + 1)}
      >
        Next
      </button>
    </nav>
  );
}
