export { registerRest, type RestOptions } from './plugin.ts';
export { openApiDocument } from './openapi.ts';
export {
  errorBody,
  rateLimitHeaders,
  retryHeadersOf,
  toHttpError,
  type ErrorBody,
} from './errors.ts';
export { routes, type RestRoute } from './route-table.ts';
export {
  REPLAYED_HEADER,
  REQUEST_ID_HEADER,
  REQUEST_ID_PATTERN,
  requestIdFor,
  traceRequests,
} from './request-id.ts';
