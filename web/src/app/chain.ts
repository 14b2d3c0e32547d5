// Thin adapter over helper A's gateway client and transaction signer, in the shapes the
// console's pages use: connect (status + whoami), signed reads bound to the session, and the
// sign / post / status steps of submit.ts.
import { ApiError, Gateway, type TxStatus } from '../api/gateway';
import type { Signer } from '../crypto/keys';
import { signTx, type SignedTx, type TxBody } from '../wire/tx';
import type { Session, WhoAmI } from './session';

/** A signed transaction kept for one attempt: resending it sends the same bytes (same hash). */
export interface PreparedTx {
  hash: string;
  signed: SignedTx;
}

export { ApiError };

/** Read the node's status and who `signer` is; throws ApiError (e.g. 403 not_a_member). */
export async function connect(signer: Signer, baseUrl = ''): Promise<Session> {
  const gateway = new Gateway(baseUrl);
  const status = await gateway.status();
  const me = await gateway.signedGet<WhoAmI>('/v1/whoami', signer);
  return { signer, gateway, me, status: { chain_id: status.chain_id, node: status.node, height: status.height } };
}

/** A signed read of `path` as the session's member. */
export function get<T>(session: Session, path: string, signal?: AbortSignal): Promise<T> {
  return session.gateway.signedGet<T>(path, session.signer, signal);
}

/** A signed POST of text as the session's member (e.g. minutes to /v1/minutes/drafts). */
export function postText<T>(session: Session, path: string, text: string): Promise<T> {
  return session.gateway.signedPostText<T>(path, session.signer, text);
}

/** An open (unsigned) read, e.g. /v1/checkpoint. */
export async function getText(session: Session, path: string): Promise<string> {
  const res = await fetch(session.gateway.baseUrl + path, { headers: { accept: 'text/plain' } });
  const text = await res.text();
  if (!res.ok) {
    let code = 'http';
    let message = `HTTP ${res.status}`;
    try {
      const j = JSON.parse(text) as { error?: string; message?: string };
      code = j.error ?? code;
      message = j.message ?? message;
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, code, message);
  }
  return text;
}

/** Fetch (once per gateway) the TxBody schema the canonical encoder needs. */
export function loadTxSchema(session: Session) {
  return session.gateway.operationsSchema();
}

/** Encode, hash and sign a body. */
export async function signBody(session: Session, body: TxBody): Promise<PreparedTx> {
  const schema = await loadTxSchema(session);
  const { signed, hash } = signTx(schema, session.signer, body);
  return { hash, signed };
}

/** POST the signed transaction; "already pending / already committed" (409) counts as sent. */
export async function postSignedTx(session: Session, tx: PreparedTx): Promise<void> {
  try {
    await session.gateway.submit(tx.signed);
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) return;
    throw e;
  }
}

/** The signed status of a transaction (so a rejection carries its code and reason); null while unknown. */
export async function readTxStatus(session: Session, hash: string): Promise<TxStatus | null> {
  try {
    return await session.gateway.txStatus(hash, session.signer);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'unknown_tx') return null;
    throw e;
  }
}
