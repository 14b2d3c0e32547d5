// The signed-in session: who I am (from GET /v1/whoami), my in-memory signer, the gateway
// client and the node status at sign-in. A tiny store with a preact hook; the secret key lives
// only in this module's memory and is dropped on sign-out.
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { Signer } from '../crypto/keys';
import type { Gateway, Whoami } from '../api/gateway';

/** Who the signed-in member is (`GET /v1/whoami`). */
export type WhoAmI = Whoami;

/** The node status as read at sign-in (refresh with `refreshStatus`). */
export interface NodeStatus {
  chain_id: string;
  node: string;
  height: number;
}

export interface Session {
  signer: Signer;
  gateway: Gateway;
  me: WhoAmI;
  status: NodeStatus;
}

type Listener = (s: Session | null) => void;
let current: Session | null = null;
const listeners = new Set<Listener>();

/** The current session, or null when signed out. */
export function getSession(): Session | null {
  return current;
}

/** Install (or clear) the session and tell every subscriber. */
export function setSession(s: Session | null): void {
  current = s;
  for (const l of listeners) l(s);
}

/** Subscribe to session changes; returns the unsubscribe function. */
export function onSession(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Forget the in-memory key and go back to the sign-in page. */
export function signOut(): void {
  setSession(null);
  if (typeof location !== 'undefined') location.hash = '#/signin';
}

/** Context the app root provides; pages read it through `useSession()`. */
export const SessionContext = createContext<Session | null>(null);

/** The current session or null (for the sign-in page and the header). */
export function useMaybeSession(): Session | null {
  const fromContext = useContext(SessionContext);
  const [s, setS] = useState<Session | null>(current);
  useEffect(() => onSession(setS), []);
  return fromContext ?? s;
}

/** The current session; pages behind sign-in may rely on it (the router guards them). */
export function useSession(): Session {
  const s = useMaybeSession();
  if (!s) throw new Error('useSession() outside a signed-in page');
  return s;
}

/** Re-read /v1/status (e.g. before building a transaction) and keep it on the session. */
export async function refreshStatus(s: Session): Promise<NodeStatus> {
  const body = await s.gateway.status();
  s.status = { chain_id: body.chain_id, node: body.node, height: body.height };
  return s.status;
}
