import { sha256 } from './crypto.ts';
import { LoginThrottle } from './services/login-throttle.ts';
import type { Context, ContextFactory, ContextOptions } from './context.ts';

export { appRouter, createCaller, type AppRouter, type Caller } from './root.ts';
export {
  REST_TAGS,
  type Meta,
  type RestAuth,
  type RestMeta,
  type RestMethod,
  type RestTag,
} from './rest-meta.ts';
export { DATABASE_RETRY_AFTER_SECONDS } from './errors.ts';
export { appCodeOf, detailsOf, toTRPCError, TRPC_CODE_OF_KIND } from './trpc-errors.ts';
export { credentialsFromHeaders, CSRF_HEADER, SESSION_COOKIE } from './context.ts';
export type {
  ChargeCall,
  Clock,
  Context,
  ContextFactory,
  ContextOptions,
  Credentials,
  RateVerdict,
  RequestTrace,
  ResponseMeta,
  ServiceContext,
  SessionCookie,
} from './context.ts';
export * as services from './services/index.ts';
export {
  attachKeyCaches,
  createKeyCaches,
  forgetNotified,
  KEY_CACHES_CHANNEL,
  setListening,
  type KeyCaches,
} from './services/key-caches.ts';
export type { LoginThrottleOptions } from './services/login-throttle.ts';
export * as identity from './services/identity/index.ts';
export * as webhooks from './services/webhooks/index.ts';
export {
  createDatasetResolver,
  createIdentityResolver,
  createNoIdentityResolver,
  type IdentityResolver,
} from './services/identity/index.ts';

/** Builds contexts for one deployment; each request adds only what the caller presented. */
export function createContextFactory(options: ContextOptions): ContextFactory {
  const operatorTokenHash = options.operatorToken ? sha256(options.operatorToken) : null;
  const clock = options.clock ?? (() => new Date());
  const loginThrottle = new LoginThrottle(options.loginThrottle);
  return (credentials, sessionCookie, trace): Context => ({
    db: options.db,
    clock,
    publicUrl: options.publicUrl,
    allowHttpWebhooks: options.allowHttpWebhooks ?? false,
    operatorTokenHash,
    loginThrottle,
    credentials,
    sessionCookie,
    requestId: trace?.requestId,
    response: trace?.response,
    chargeCall: trace?.chargeCall,
  });
}
