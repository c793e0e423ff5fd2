import { QueryClientProvider, useQuery } from '@tanstack/react-query';
import { Suspense } from 'react';
import { Shell } from './layout/shell.tsx';
import { matchPath, usePath } from './router.tsx';
import { routes } from './routes.tsx';
import LoginScreen from './screens/login.tsx';
import { ErrorMessage, Loading } from './components/states.tsx';
import { SessionProvider } from './session.tsx';
import { queryClient, setCsrfToken, trpc } from './trpc.ts';

function CurrentScreen() {
  const path = usePath();
  for (const route of routes) {
    const params = matchPath(route.pattern, path);
    if (params) {
      const Screen = route.screen;
      return (
        <Suspense fallback={<Loading />}>
          <Screen params={params} />
        </Suspense>
      );
    }
  }
  return (
    <>
      <h1>Not found</h1>
      <p>Nothing lives at this address.</p>
    </>
  );
}

function Gate() {
  const session = useQuery(trpc.auth.session.queryOptions(undefined, { staleTime: Infinity }));
  if (session.isPending) return <Loading />;
  if (session.isError)
    return <ErrorMessage error={session.error} retry={() => void session.refetch()} />;
  if (!session.data) return <LoginScreen />;
  // Every request from here on carries this session's token (the server checks it on changes).
  setCsrfToken(session.data.csrfToken);
  return (
    <SessionProvider value={session.data}>
      <Shell>
        <CurrentScreen />
      </Shell>
    </SessionProvider>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <Gate />
    </QueryClientProvider>
  );
}
