import type { Session } from '@allot/domain';
import { createContext, useContext } from 'react';

const SessionContext = createContext<Session | null>(null);
export const SessionProvider = SessionContext.Provider;

/** The signed-in user and partner; every screen behind sign-in has one. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in screen');
  return session;
}

export const useIsAdmin = () => useSession().user.role === 'admin';
