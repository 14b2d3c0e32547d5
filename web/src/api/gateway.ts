// The console's client of a node's HTTP gateway: open reads, signed reads (the five
// gongxin-* headers, bound to the node's name and chain id learned from /v1/status),
// transaction submission and following a transaction until it is committed. Every error the
// gateway answers ({"error","message"}) becomes an `ApiError`.

import type { Signer } from '../crypto/keys';
import type { JsonSchemaRoot, OperationsSchema } from '../wire/schema';
import type { SignedTx } from '../wire/tx';
import { newReadNonce, signedQueryPath, signedReadHeaders, type ReadRequest } from './signed-read';

/** `GET /v1/status`. */
export interface Status {
  chain_id: string;
  node: string;
  genesis_hash: string;
  height: number;
  log_size: number;
  log_root: string;
  last_block_hash: string;
  last_block_time_ms: number;
  state_hash: string;
  mempool_txs: number;
  mempool_bytes: number;
  uptime_s: number;
  now_ms: number;
  /** Present while a validator rebuilt by `gongxin-node resync` signs nothing (up to this height). */
  signing_paused_through?: number;
}

/** `GET /v1/whoami` (signed). */
export interface Whoami {
  name: string;
  department: string;
  department_kind: string;
  role: string;
  public_key: string;
  reads_everything: boolean;
}

/** `POST /v1/txs` on success (202). */
export interface Submitted {
  tx_hash: string;
  status: 'pending';
  resubmitted: boolean;
}

export type TxOutcome = { status: 'applied' } | { status: 'rejected'; code?: string; reason?: string };

/** `GET /v1/txs/{hash}`. */
export type TxStatus =
  | { tx_hash: string; status: 'pending' }
  | { tx_hash: string; status: 'committed'; height: number; position: number; log_index: number; outcome: TxOutcome };

export type CommittedTx = Extract<TxStatus, { status: 'committed' }>;

/** An error answer of the gateway, or a failure to reach it (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Seconds the gateway asked to wait (429/503 Retry-After), if it said. */
  readonly retryAfterS?: number;

  constructor(status: number, code: string, message: string, retryAfterS?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterS = retryAfterS;
  }
}

export interface FollowOptions {
  /** Give up after this long (default 60 s); throws ApiError code "timeout". */
  timeoutMs?: number;
  /** Poll interval (default 1 s). */
  intervalMs?: number;
  /** With a signer, a rejection is read signed so its code and reason are visible. */
  signer?: Signer;
  signal?: AbortSignal;
}

interface Identity {
  chainId: string;
  node: string;
  /** Node clock minus local clock, so signed timestamps fall in the node's window. */
  clockOffsetMs: number;
}

type Fetch = typeof fetch;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new ApiError(0, 'aborted', 'aborted'));
    }, { once: true });
  });
}

/** The request target as a browser sends it (percent-encoding normalised), for signing. */
function normalizePath(path: string): string {
  if (!path.startsWith('/')) throw new Error(`a gateway path starts with "/": ${path}`);
  const url = new URL(path, 'http://gateway.invalid');
  return url.pathname + url.search;
}

export class Gateway {
  private identity?: Identity;
  private schema?: Promise<JsonSchemaRoot>;

  /** `baseUrl` is the node's origin ('' for the page's own origin). */
  constructor(
    readonly baseUrl = '',
    private readonly fetchImpl: Fetch = (input, init) => fetch(input, init),
  ) {}

  /** The node's status; also refreshes the cached chain id, node name and clock offset. */
  async status(): Promise<Status> {
    const status = await this.openGet<Status>('/v1/status');
    this.identity = { chainId: status.chain_id, node: status.node, clockOffsetMs: status.now_ms - Date.now() };
    return status;
  }

  /** The JSON Schema of TxBody the canonical encoder needs (cached). */
  operationsSchema(): Promise<JsonSchemaRoot> {
    this.schema ??= this.openGet<OperationsSchema>('/v1/schema/operations').then((answer) => answer.tx_body);
    this.schema.catch(() => (this.schema = undefined));
    return this.schema;
  }

  async openGet<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>(normalizePath(path), { method: 'GET', signal });
  }

  /** A signed read as `signer`. */
  async signedGet<T>(path: string, signer: Signer, signal?: AbortSignal): Promise<T> {
    const pathAndQuery = normalizePath(path);
    const headers = signedReadHeaders(signer, await this.readRequest('GET', pathAndQuery));
    return this.request<T>(pathAndQuery, { method: 'GET', headers, signal });
  }

  /** A signed POST of text (e.g. meeting minutes) as `signer`; the signature covers method, path and query. */
  async signedPostText<T>(path: string, signer: Signer, text: string): Promise<T> {
    const pathAndQuery = normalizePath(path);
    const headers = { ...signedReadHeaders(signer, await this.readRequest('POST', pathAndQuery)), 'content-type': 'text/plain; charset=utf-8' };
    return this.request<T>(pathAndQuery, { method: 'POST', headers, body: text });
  }

  /** A signed read of a file (an export): its bytes and the name the node gives it. */
  async signedGetBlob(path: string, signer: Signer): Promise<{ blob: Blob; filename: string | null }> {
    const pathAndQuery = normalizePath(path);
    const headers = signedReadHeaders(signer, await this.readRequest('GET', pathAndQuery));
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + pathAndQuery, { method: 'GET', headers });
    } catch (error) {
      throw new ApiError(0, 'network', `cannot reach the node: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!response.ok) throw errorOf(response, await response.text());
    const disposition = response.headers.get('content-disposition') ?? '';
    const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? null;
    return { blob: await response.blob(), filename };
  }

  /** A URL for `new EventSource(…)` carrying the signature as query parameters. */
  async signedEventSourceUrl(path: string, signer: Signer): Promise<string> {
    const pathAndQuery = normalizePath(path);
    return this.baseUrl + signedQueryPath(signer, await this.readRequest('GET', pathAndQuery));
  }

  /** Who the gateway takes `signer` for (name, department, role): a signed read. */
  whoami(signer: Signer): Promise<Whoami> {
    return this.signedGet<Whoami>('/v1/whoami', signer);
  }

  /** Submits a signed transaction (JSON); 202 → pending. */
  submit(signed: SignedTx): Promise<Submitted> {
    return this.request<Submitted>('/v1/txs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(signed),
    });
  }

  /** A transaction's status; signed when `signer` is given (to see a rejection's reason). */
  txStatus(hash: string, signer?: Signer, signal?: AbortSignal): Promise<TxStatus> {
    const path = `/v1/txs/${encodeURIComponent(hash)}`;
    return signer ? this.signedGet<TxStatus>(path, signer, signal) : this.openGet<TxStatus>(path, signal);
  }

  /**
   * Polls until the transaction is committed and returns its status. A rejection is re-read
   * signed (when `signer` is given) so its code and reason are in `outcome`. "Unknown" answers
   * are polled through too: a transaction submitted elsewhere may not have reached this node yet.
   */
  async followTx(hash: string, options: FollowOptions = {}): Promise<CommittedTx> {
    const { timeoutMs = 60_000, intervalMs = 1_000, signer, signal } = options;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.txStatus(hash, undefined, signal).catch((error: unknown) => {
        if (error instanceof ApiError && error.code === 'unknown_tx') return undefined;
        throw error;
      });
      if (status?.status === 'committed') {
        return status.outcome.status === 'rejected' && signer ? this.rejectionRead(status, signer, signal) : status;
      }
      if (Date.now() + intervalMs > deadline) {
        throw new ApiError(0, 'timeout', `transaction ${hash} was not committed within ${Math.round(timeoutMs / 1000)} s`);
      }
      await sleep(intervalMs, signal);
    }
  }

  /** The committed status read signed, for the rejection's code and reason; the open one if that fails. */
  private async rejectionRead(open: CommittedTx, signer: Signer, signal?: AbortSignal): Promise<CommittedTx> {
    try {
      const signed = await this.txStatus(open.tx_hash, signer, signal);
      return signed.status === 'committed' ? signed : open;
    } catch (error) {
      if (error instanceof ApiError && error.code !== 'aborted') return open;
      throw error;
    }
  }

  private async readRequest(method: string, pathAndQuery: string): Promise<ReadRequest> {
    if (this.identity === undefined) await this.status();
    const { chainId, node, clockOffsetMs } = this.identity!;
    return { chainId, node, method, pathAndQuery, timestampMs: Date.now() + clockOffsetMs, nonce: newReadNonce() };
  }

  private async request<T>(pathAndQuery: string, init: RequestInit): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + pathAndQuery, { ...init, headers: { accept: 'application/json', ...init.headers } });
    } catch (error) {
      if (init.signal?.aborted) throw new ApiError(0, 'aborted', 'aborted');
      throw new ApiError(0, 'network', `cannot reach the node: ${error instanceof Error ? error.message : String(error)}`);
    }
    const text = await response.text();
    if (!response.ok) throw errorOf(response, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, 'bad_response', `the node answered ${pathAndQuery} with something that is not JSON`);
    }
  }
}

function errorOf(response: Response, text: string): ApiError {
  const retry = Number(response.headers.get('retry-after') ?? NaN);
  const retryAfterS = Number.isFinite(retry) ? retry : undefined;
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string') {
      return new ApiError(response.status, body.error, typeof body.message === 'string' ? body.message : body.error, retryAfterS);
    }
  } catch {
    // not JSON: fall through to a generic error
  }
  return new ApiError(response.status, `http_${response.status}`, text.slice(0, 200) || response.statusText, retryAfterS);
}
