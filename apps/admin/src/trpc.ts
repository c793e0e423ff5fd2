import type { AppRouter } from '@allot/api';
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';

/**
 * The session's CSRF token, echoed in `x-allot-csrf` on every request (the server requires it on
 * changes). Before sign-in any value will do: the header alone proves the request came from
 * script on this origin, which a cross-site form cannot imitate.
 */
let csrfToken = '';
export const setCsrfToken = (token: string) => {
  csrfToken = token;
};

export const trpcClient = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: '/trpc',
      maxURLLength: 4000,
      headers: () => ({ 'x-allot-csrf': csrfToken || 'sign-in' }),
    }),
  ],
});

export interface ErrorInfo {
  status: number;
  appCode: string | undefined;
  message: string;
  issues: { path: PropertyKey[]; message: string }[];
}

/** What the server said, from a tRPC error: its HTTP status, business code and validation issues. */
export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof TRPCClientError) {
    const data = (error as TRPCClientError<AppRouter>).data;
    return {
      status: data?.httpStatus ?? 0,
      appCode: data?.appCode,
      message: error.message,
      issues: (data?.zodIssues as ErrorInfo['issues'] | undefined) ?? [],
    };
  }
  return {
    status: 0,
    appCode: undefined,
    message: error instanceof Error ? error.message : String(error),
    issues: [],
  };
}

/** Set below: what to do when the server says the session has ended. */
let onSignedOut = () => {};

function signedOutOn(error: unknown) {
  if (errorInfo(error).status === 401) onSignedOut();
}

export const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: signedOutOn }),
  mutationCache: new MutationCache({ onError: signedOutOn }),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // A 4xx will not change on retry; a dropped connection may.
      retry: (failures, error) => errorInfo(error).status === 0 && failures < 2,
    },
  },
});

export const trpc = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });

onSignedOut = () => {
  queryClient.setQueryData(trpc.auth.session.queryKey(), null);
};
