import { z } from 'zod';
import { pageSchema, pageSizeSchema } from './common.ts';

/** Items on a page when the caller names no `pageSize`. */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * The query of every offset-paged list (organizations, grants, partners): `page` from 1 and
 * `pageSize` 1-100, so each list pages by the same rules.
 */
export const pageQueryFields = (items: string) => ({
  page: pageSchema.default(1).describe('Page number, from 1'),
  pageSize: pageSizeSchema.default(DEFAULT_PAGE_SIZE).describe(`${items} per page, 1-100`),
});

export interface PageQuery {
  page: number;
  pageSize: number;
}

/** Rows to skip in SQL (`OFFSET`) for a page. */
export const pageOffset = (query: PageQuery) => (query.page - 1) * query.pageSize;

/** What a page answers beside its items: the count over all pages (as PostgreSQL returns it), and the page it is. */
export const pageFields = (query: PageQuery, total: string | number | bigint) => ({
  total: Number(total),
  page: query.page,
  pageSize: query.pageSize,
});

/** A page of a list: its items under `key`, the count over all pages, and the page it is. */
export function pagedListSchema<K extends string, T extends z.ZodType>(
  key: K,
  item: T,
  items: string,
) {
  return z.object({
    ...({ [key]: z.array(item) } as Record<K, z.ZodArray<T>>),
    total: z.int().describe(`${items} matching the filters, over all pages`),
    page: z.int(),
    pageSize: z.int(),
  });
}
