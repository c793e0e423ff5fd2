import { createDatasetResolver } from './dataset.ts';
import { createHttpResolver, type HttpResolverOptions } from './http.ts';
import { createNoIdentityResolver, type IdentityLog, type IdentityResolver } from './resolver.ts';

export * from './resolver.ts';
export * from './cidr.ts';
export * from './dataset.ts';
export * from './http.ts';
export { createIndexBuilder, type IndexBuilder } from './range-index.ts';
export { createCircuitBreaker, type BreakerState, type CircuitBreaker } from './breaker.ts';

export interface IdentityResolverConfig extends Partial<Omit<HttpResolverOptions, 'url'>> {
  /** A JSON Lines dataset to answer from memory. */
  dataset?: string;
  /** An identity service to call; takes precedence over `dataset`. */
  url?: string;
  log?: IdentityLog;
}

/**
 * The configured identity source: the HTTP service when `url` is set, else the dataset, else a
 * resolver that knows nobody (visitors are recorded, none identified). A dataset with malformed
 * lines still loads, its valid lines indexed; the skipped lines are logged.
 */
export async function createIdentityResolver(
  config: IdentityResolverConfig,
): Promise<IdentityResolver> {
  const { dataset, url, log, ...http } = config;
  if (url) {
    if (dataset) log?.warn(`identity: both a service and a dataset are set; using ${url}`);
    return createHttpResolver({ ...http, url, ...(log && { log }) });
  }
  if (dataset) return (await createDatasetResolver(dataset, { ...(log && { log }) })).resolver;
  log?.info('identity: no dataset or service configured; visitors are not identified');
  return createNoIdentityResolver();
}
