// The gateway client against a scripted fetch: identity learned from /v1/status, signed-read
// headers over the normalised target, error answers as ApiError, and following a transaction
// through pending to a rejection whose reason is read signed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, Gateway, type Status } from '../src/api/gateway';
import { readSigningMessage } from '../src/api/signed-read';
import { verifySignature } from '../src/crypto/keys';
import { fixedSigner } from './support/keys';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

const STATUS: Status = {
  chain_id: 'devnet',
  node: 'finance',
  genesis_hash: '00'.repeat(32),
  height: 12,
  log_size: 30,
  log_root: '11'.repeat(32),
  last_block_hash: '22'.repeat(32),
  last_block_time_ms: 0,
  state_hash: '33'.repeat(32),
  mempool_txs: 0,
  mempool_bytes: 0,
  uptime_s: 5,
  now_ms: Date.now() + 60_000,
};

/** A Gateway whose fetch answers from `route` and records every call. */
function scripted(route: (call: Call) => Reply): { gateway: Gateway; calls: Call[] } {
  const calls: Call[] = [];
  const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const call: Call = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: init?.body as string | undefined,
    };
    calls.push(call);
    const reply = route(call);
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    return new Response(text, { status: reply.status, headers: reply.headers });
  };
  return { gateway: new Gateway('http://node.test', fakeFetch), calls };
}

function withStatus(route: (call: Call) => Reply): (call: Call) => Reply {
  return (call) => (call.url.endsWith('/v1/status') ? { status: 200, body: STATUS } : route(call));
}

test('signed GET learns chain and node once, signs the normalised target with the node clock', async () => {
  const signer = fixedSigner('sm2', 2);
  const { gateway, calls } = scripted(withStatus(() => ({ status: 200, body: { ok: true } })));
  assert.deepEqual(await gateway.signedGet('/v1/projects?owner=交通', signer), { ok: true });
  await gateway.signedGet('/v1/whoami', signer);
  assert.equal(calls.filter((call) => call.url.endsWith('/v1/status')).length, 1);
  const read = calls[1];
  assert.equal(read.url, 'http://node.test/v1/projects?owner=%E4%BA%A4%E9%80%9A');
  const headers = read.headers;
  assert.equal(headers['gongxin-node'], 'finance');
  assert.ok(Math.abs(Number(headers['gongxin-timestamp']) - STATUS.now_ms) < 5_000, 'timestamp follows the node clock');
  const message = readSigningMessage({
    chainId: 'devnet',
    node: 'finance',
    method: 'GET',
    pathAndQuery: '/v1/projects?owner=%E4%BA%A4%E9%80%9A',
    timestampMs: Number(headers['gongxin-timestamp']),
    nonce: headers['gongxin-nonce'],
  });
  assert.ok(verifySignature(headers['gongxin-key'], message, headers['gongxin-signature']));
  assert.notEqual(calls[2].headers['gongxin-nonce'], headers['gongxin-nonce']);
});

test('gateway errors become ApiError with status, code and message', async () => {
  const { gateway } = scripted((call) =>
    call.url.endsWith('/v1/txs')
      ? { status: 429, body: { error: 'rate_limited', message: 'slow down' }, headers: { 'retry-after': '3' } }
      : { status: 502, body: '<html>bad gateway</html>' },
  );
  await assert.rejects(gateway.submit({ body: {} as never, signature: 'x' }), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.deepEqual([error.status, error.code, error.message, error.retryAfterS], [429, 'rate_limited', 'slow down', 3]);
    return true;
  });
  await assert.rejects(gateway.openGet('/v1/status'), (error: unknown) => error instanceof ApiError && error.code === 'http_502');
  const offline = new Gateway('', async () => {
    throw new TypeError('fetch failed');
  });
  await assert.rejects(offline.status(), (error: unknown) => error instanceof ApiError && error.status === 0 && error.code === 'network');
});

test('submit posts the signed transaction as JSON', async () => {
  const { gateway, calls } = scripted(() => ({ status: 202, body: { tx_hash: 'ab', status: 'pending', resubmitted: false } }));
  const signed = { body: { chain_id: 'devnet', signer: 'x', replay: { nonce: 1, valid_until_height: 2 }, operation: 'y' }, signature: 'z' };
  assert.equal((await gateway.submit(signed)).status, 'pending');
  assert.equal(calls[0].method, 'POST');
  assert.equal(calls[0].headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(calls[0].body!), signed);
});

test('followTx polls through unknown and pending, then reads a rejection signed', async () => {
  const hash = 'cd'.repeat(32);
  const answers: Reply[] = [
    { status: 404, body: { error: 'unknown_tx', message: 'neither pending nor committed' } },
    { status: 200, body: { tx_hash: hash, status: 'pending' } },
  ];
  const committed = { tx_hash: hash, status: 'committed', height: 13, position: 0, log_index: 31 };
  const { gateway, calls } = scripted(
    withStatus((call) => {
      if (call.headers['gongxin-signature']) {
        return { status: 200, body: { ...committed, outcome: { status: 'rejected', code: 'over_budget', reason: 'exceeds the budget' } } };
      }
      return answers.shift() ?? { status: 200, body: { ...committed, outcome: { status: 'rejected' } } };
    }),
  );
  const result = await gateway.followTx(hash, { intervalMs: 5, timeoutMs: 2_000, signer: fixedSigner('ed25519', 1) });
  assert.deepEqual(result.outcome, { status: 'rejected', code: 'over_budget', reason: 'exceeds the budget' });
  assert.equal(calls.filter((call) => call.url.endsWith(`/v1/txs/${hash}`)).length, 4);
});

test('followTx times out with code "timeout"', async () => {
  const { gateway } = scripted(() => ({ status: 200, body: { tx_hash: 'ab', status: 'pending' } }));
  await assert.rejects(gateway.followTx('ab'.repeat(32), { intervalMs: 5, timeoutMs: 30 }), (error: unknown) => error instanceof ApiError && error.code === 'timeout');
});

test('signedEventSourceUrl signs the path and appends the gx_* parameters', async () => {
  const signer = fixedSigner('ed25519', 1);
  const { gateway } = scripted(withStatus(() => ({ status: 500, body: '' })));
  const url = await gateway.signedEventSourceUrl('/v1/events', signer);
  assert.match(url, /^http:\/\/node\.test\/v1\/events\?gx_key=ed25519%3A[0-9a-f]{64}&gx_node=finance&gx_ts=\d+&gx_nonce=[\w-]{24}&gx_sig=ed25519%3A[0-9a-f]{128}$/);
});

test('the operations schema is fetched once and unwrapped', async () => {
  const { gateway, calls } = scripted(() => ({ status: 200, body: { tx_body: { type: 'string' } } }));
  assert.deepEqual(await gateway.operationsSchema(), { type: 'string' });
  assert.deepEqual(await gateway.operationsSchema(), { type: 'string' });
  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, 'http://node.test/v1/schema/operations');
});

test('followTx falls back to the open answer when the signed re-read is refused', async () => {
  const hash = 'ef'.repeat(32);
  const open = { tx_hash: hash, status: 'committed', height: 3, position: 1, log_index: 7, outcome: { status: 'rejected' } };
  const { gateway } = scripted(
    withStatus((call) =>
      call.headers['gongxin-signature'] ? { status: 401, body: { error: 'stale_request', message: 'clock skew' } } : { status: 200, body: open },
    ),
  );
  assert.deepEqual(await gateway.followTx(hash, { signer: fixedSigner('sm2', 2) }), open);
});
