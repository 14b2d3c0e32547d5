// Submitting one operation: build the TxBody (chain id, my key, replay guard), sign it, POST it
// and follow it to its outcome. A signed transaction is kept for its attempt so a retry sends the
// very same bytes (same hash) and never a second transaction; `useSubmit` also refuses a second
// click while one is in flight.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Session } from './session';
import { refreshStatus } from './session';
import { errorText } from './components/errors';
import { ApiError, signBody, postSignedTx, readTxStatus, loadTxSchema, type PreparedTx } from './chain';
import { buildTxBody } from '../wire/tx';

export type { PreparedTx } from './chain';

/** What happened to a transaction: applied, rejected by the rules (recorded with its reason), or still pending when we stopped waiting. */
export type Outcome = 'applied' | { rejected: { code: string; reason: string } } | 'pending';

export interface SubmitResult {
  hash: string;
  outcome: Outcome;
}

export interface SubmitOptions {
  /** How long to follow the transaction before answering 'pending' (default 20 s). */
  waitMs?: number;
  /** Blocks the transaction stays valid for (default 1000). */
  validForBlocks?: number;
}

/** A refusal before the ledger (bad request, unknown signer, pool full, network): not recorded. */
export class SubmitFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.name = 'SubmitFailure';
  }
}

/** Build and sign a transaction for `operation` (no network beyond /v1/status and the schema). */
export async function prepareOperation(
  session: Session,
  operation: object,
  opts: SubmitOptions = {},
): Promise<PreparedTx> {
  await loadTxSchema(session);
  let height = session.status.height;
  try {
    height = (await refreshStatus(session)).height;
  } catch {
    // fall back to the height read at sign-in; the guard still leaves a wide window
  }
  const body = buildTxBody({
    chainId: session.status.chain_id,
    signer: session.signer,
    validUntilHeight: height + (opts.validForBlocks ?? 1000),
    operation,
  });
  return signBody(session, body);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follow a submitted transaction until it is committed or `waitMs` passes. */
export async function followTx(session: Session, hash: string, waitMs = 20_000): Promise<Outcome> {
  const until = Date.now() + waitMs;
  let delay = 300;
  for (;;) {
    const status = await readTxStatus(session, hash).catch(() => null);
    if (status && status.status === 'committed' && status.outcome) {
      if (status.outcome.status === 'applied') return 'applied';
      return {
        rejected: {
          code: status.outcome.code ?? 'rejected',
          reason: status.outcome.reason ?? '',
        },
      };
    }
    if (Date.now() + delay > until) return 'pending';
    await sleep(delay);
    delay = Math.min(delay * 1.5, 2000);
  }
}

/** Send an already signed transaction (again: the node answers "already pending/committed"). */
export async function sendPrepared(session: Session, tx: PreparedTx, opts: SubmitOptions = {}): Promise<SubmitResult> {
  try {
    await postSignedTx(session, tx);
  } catch (e) {
    if (e instanceof ApiError) throw new SubmitFailure(e.code, e.message, e.status);
    throw e;
  }
  return { hash: tx.hash, outcome: await followTx(session, tx.hash, opts.waitMs) };
}

/** Build, sign, send and follow one operation. Throws `SubmitFailure` when the node refuses it at the door. */
export async function submitOperation(session: Session, operation: object, opts: SubmitOptions = {}): Promise<SubmitResult> {
  let tx: PreparedTx;
  try {
    tx = await prepareOperation(session, operation, opts);
  } catch (e) {
    if (e instanceof ApiError) throw new SubmitFailure(e.code, e.message, e.status);
    throw e;
  }
  return sendPrepared(session, tx, opts);
}

export interface SubmitState {
  /** True while a transaction is being signed, sent or followed: disable the button. */
  busy: boolean;
  result: SubmitResult | null;
  error: SubmitFailure | null;
  /** Submit `operation`; a second call while busy is ignored (returns null). Retrying the same operation after a failure resends the same signed bytes. */
  submit: (operation: object) => Promise<SubmitResult | null>;
  reset: () => void;
}

/**
 * Component helper: `const s = useSubmit(session)`, then
 * `<button disabled={s.busy} onClick={() => s.submit(op)}>`.
 */
export function useSubmit(session: Session, opts: SubmitOptions = {}): SubmitState {
  const inFlight = useRef(false);
  const pending = useRef<{ key: string; tx: PreparedTx } | null>(null);
  const mounted = useRef(true);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SubmitResult | null>(null);
  const [error, setError] = useState<SubmitFailure | null>(null);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const submit = useCallback(
    async (operation: object) => {
      if (inFlight.current) return null;
      inFlight.current = true;
      setBusy(true);
      setError(null);
      setResult(null);
      const key = JSON.stringify(operation);
      try {
        if (!pending.current || pending.current.key !== key) {
          try {
            pending.current = { key, tx: await prepareOperation(session, operation, opts) };
          } catch (e) {
            if (e instanceof ApiError) throw new SubmitFailure(e.code, e.message, e.status);
            throw e;
          }
        }
        const r = await sendPrepared(session, pending.current.tx, opts);
        // Known to the node: a new click is a new transaction, unless still pending.
        if (r.outcome !== 'pending') pending.current = null;
        if (mounted.current) setResult(r);
        return r;
      } catch (e) {
        const failure =
          e instanceof SubmitFailure ? e : new SubmitFailure((e as { zh?: string }).zh ? 'bad_input' : 'error', errorText(e));
        // A refusal with a definite answer (4xx) will not change on resend: sign afresh next time.
        if (failure.status >= 400 && failure.status < 500) pending.current = null;
        if (mounted.current) setError(failure);
        return null;
      } finally {
        inFlight.current = false;
        if (mounted.current) setBusy(false);
      }
    },
    [session],
  );

  const reset = useCallback(() => {
    pending.current = null;
    setResult(null);
    setError(null);
  }, []);

  return { busy, result, error, submit, reset };
}
