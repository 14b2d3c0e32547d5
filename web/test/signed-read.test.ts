// Signed reads: the message bytes equal core/src/request_auth.rs's read_signing_message (the
// expected bytes are written out by hand from the spec), headers and the query-parameter form.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex } from '../src/crypto/hex';
import { verifySignature } from '../src/crypto/keys';
import {
  encodeQueryComponent,
  newReadNonce,
  readSigningMessage,
  signedQueryPath,
  signedReadHeaders,
  type ReadRequest,
} from '../src/api/signed-read';
import { fixedSigner } from './support/keys';

const request: ReadRequest = {
  chainId: 'devnet',
  node: 'finance',
  method: 'get',
  pathAndQuery: '/v1/projects?owner=transport',
  timestampMs: 1_000,
  nonce: '0123456789abcdef',
};

test('the read signing message, byte for byte', () => {
  const expected =
    '676f6e6778696e2f726561642f7632' + // "gongxin/read/v2"
    '00' +
    '6465766e6574' + '0a' + // "devnet\n"
    '66696e616e6365' + '0a' + // "finance\n"
    '474554' + '0a' + // "GET\n" (upper-cased)
    '2f76312f70726f6a656374733f6f776e65723d7472616e73706f7274' + '0a' + // path and query
    '31303030' + '0a' + // "1000\n"
    '30313233343536373839616263646566'; // nonce
  assert.equal(toHex(readSigningMessage(request)), expected);
});

test('the five headers carry a signature over that message', () => {
  for (const algorithm of ['ed25519', 'sm2'] as const) {
    const signer = fixedSigner(algorithm, 6);
    const headers = signedReadHeaders(signer, request);
    assert.deepEqual(Object.keys(headers), ['gongxin-key', 'gongxin-node', 'gongxin-timestamp', 'gongxin-nonce', 'gongxin-signature']);
    assert.equal(headers['gongxin-key'], signer.publicKeyText);
    assert.equal(headers['gongxin-timestamp'], '1000');
    assert.ok(verifySignature(signer.publicKeyText, readSigningMessage(request), headers['gongxin-signature']));
    assert.ok(!verifySignature(signer.publicKeyText, readSigningMessage({ ...request, node: 'audit' }), headers['gongxin-signature']));
  }
});

test('the query form appends gx_* parameters in order, percent-encoded', () => {
  const signer = fixedSigner('ed25519', 6);
  const url = signedQueryPath(signer, { ...request, pathAndQuery: '/v1/events?kinds=alert' });
  const match = /^\/v1\/events\?kinds=alert&gx_key=ed25519%3A([0-9a-f]{64})&gx_node=finance&gx_ts=1000&gx_nonce=0123456789abcdef&gx_sig=ed25519%3A([0-9a-f]{128})$/.exec(url);
  assert.ok(match, url);
  assert.ok(signedQueryPath(signer, { ...request, pathAndQuery: '/v1/events' }).startsWith('/v1/events?gx_key='));
});

test('query components: unreserved characters stay, all else is %XX of UTF-8', () => {
  assert.equal(encodeQueryComponent('aZ0-._~'), 'aZ0-._~');
  assert.equal(encodeQueryComponent("sm2:ab !'()*"), 'sm2%3Aab%20%21%27%28%29%2A');
  assert.equal(encodeQueryComponent('财'), '%E8%B4%A2');
});

test('nonces are fresh, 24 characters of [0-9a-zA-Z_-]', () => {
  const a = newReadNonce();
  assert.match(a, /^[0-9a-zA-Z_-]{24}$/);
  assert.notEqual(a, newReadNonce());
});
