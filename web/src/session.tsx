import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiFailure, setUnauthorizedHandler } from './api';
import { clearAllDrafts } from './drafts';
import { here, navigate } from './router';

/** Who is logged in, as the session's token says (the page reads it; the entry point sends it). */
export interface User {
  id: number;
  username: string;
  email: string;
}

interface SessionState {
  /** undefined while the first check runs, null when logged out. */
  user: User | null | undefined;
  /** The session ended behind the page's back (a protected call answered 401). */
  expired: boolean;
  refresh(): Promise<User | null>;
  logOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

function claimsOf(token: string): User {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
  return { id: claims.id, username: claims.username, email: claims.email };
}

/** `GET /app-auth/api/v1/auth`: 200 with the session's token, or 401 without a session. */
async function whoAmI(): Promise<User | null> {
  try {
    const answer = await api<undefined>('GET', '/app-auth/api/v1/auth', { isPublic: true });
    const token = answer.headers.get('x-auth-token');
    return token ? claimsOf(token) : null;
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401) return null;
    throw error;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);

  const refresh = useCallback(async () => {
    const next = await whoAmI().catch(() => null);
    setUser(next);
    if (next) setExpired(false);
    return next;
  }, []);

  useEffect(() => {
    void refresh();
    setUnauthorizedHandler(() => {
      setUser(null);
      setExpired(true);
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'board' });
      if (!here().startsWith('/login')) navigate(`/login?next=${encodeURIComponent(here())}`);
    });
  }, [refresh, queryClient]);

  const logOut = useCallback(async () => {
    await api('POST', '/app-auth/api/v1/logout', { isPublic: true }).catch(() => undefined);
    clearAllDrafts();
    queryClient.clear();
    setUser(null);
    setExpired(false);
    navigate('/');
  }, [queryClient]);

  const value = useMemo(() => ({ user, expired, refresh, logOut }), [user, expired, refresh, logOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
