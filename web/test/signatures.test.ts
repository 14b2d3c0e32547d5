// SM2 and ed25519: keys derived from the golden secrets equal the Rust ones, the Rust SM2
// signature in the golden transaction verifies here, and signatures made here verify.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from '../src/crypto/ed25519';
import { concatBytes, fromHex, toHex, utf8 } from '../src/crypto/hex';
import { sm2NormalizePublicKey, sm2PublicKey, sm2Sign, sm2Verify } from '../src/crypto/sm2';
import { txSigningMessage } from '../src/wire/tx';
import { goldenHex } from './support/golden';
import { fixedSecret } from './support/keys';

const CHAIN_PREFIX_BYTES = 8 + 'gongxin-golden'.length;
const GOLDEN_ED25519_KEY = '8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c';
const GOLDEN_SM2_KEY = '03f7b4f221c62c45fb173fba72cf1717e55935e964712e604f927126ad4d00f6be';

/** The signed golden SM2 transaction split into body bytes and the raw r ‖ s. */
function goldenSm2(): { body: Uint8Array; signature: Uint8Array } {
  const tx = goldenHex('tx_sm2.hex');
  assert.equal(toHex(tx.subarray(tx.length - 68, tx.length - 64)), '00000001', 'signature variant is Sm2');
  return { body: tx.subarray(0, tx.length - 68), signature: tx.subarray(tx.length - 64) };
}

test('public keys from the golden secrets equal the ones in the vectors', () => {
  assert.equal(toHex(ed25519PublicKey(fixedSecret(1))), GOLDEN_ED25519_KEY);
  assert.equal(toHex(sm2PublicKey(fixedSecret(2))), GOLDEN_SM2_KEY);
  const ed = goldenHex('tx_ed25519.hex');
  assert.equal(toHex(ed.subarray(CHAIN_PREFIX_BYTES + 4, CHAIN_PREFIX_BYTES + 36)), GOLDEN_ED25519_KEY);
  assert.equal(toHex(goldenSm2().body.subarray(CHAIN_PREFIX_BYTES + 4, CHAIN_PREFIX_BYTES + 37)), GOLDEN_SM2_KEY);
});

test('the Rust SM2 signature of the golden transaction verifies', () => {
  const { body, signature } = goldenSm2();
  const message = txSigningMessage('gongxin-golden', body);
  assert.ok(sm2Verify(fromHex(GOLDEN_SM2_KEY), message, signature));
  assert.ok(!sm2Verify(fromHex(GOLDEN_SM2_KEY), concatBytes(message, utf8('x')), signature));
  assert.ok(!sm2Verify(fromHex(GOLDEN_SM2_KEY), txSigningMessage('other-chain', body), signature));
});

test('SM2 sign then verify; tampering and other keys fail', () => {
  const message = utf8('付款申请 SC-2026-001');
  const signature = sm2Sign(fixedSecret(2), message);
  assert.equal(signature.length, 64);
  const key = sm2PublicKey(fixedSecret(2));
  assert.ok(sm2Verify(key, message, signature));
  assert.ok(!sm2Verify(key, utf8('付款申请 SC-2026-002'), signature));
  assert.ok(!sm2Verify(sm2PublicKey(fixedSecret(3)), message, signature));
  const flipped = Uint8Array.from(signature);
  flipped[40] ^= 1;
  assert.ok(!sm2Verify(key, message, flipped));
  assert.ok(!sm2Verify(key, message, new Uint8Array(64)));
  assert.ok(!sm2Verify(key, message, signature.subarray(0, 63)));
});

test('SM2 signatures are randomised but both verify', () => {
  const message = utf8('same message');
  const a = sm2Sign(fixedSecret(5), message);
  const b = sm2Sign(fixedSecret(5), message);
  assert.notDeepEqual(a, b);
  assert.ok(sm2Verify(sm2PublicKey(fixedSecret(5)), message, b));
});

test('SM2 keys: uncompressed input normalises to compressed; bad keys and secrets are refused', () => {
  const compressed = sm2PublicKey(fixedSecret(2));
  assert.throws(() => sm2NormalizePublicKey(compressed.subarray(0, 32)));
  const offCurve = Uint8Array.from(compressed);
  offCurve[0] = 0x05;
  assert.throws(() => sm2NormalizePublicKey(offCurve));
  assert.throws(() => sm2PublicKey(new Uint8Array(32)), /out of range/);
  assert.throws(() => sm2PublicKey(new Uint8Array(32).fill(0xff)), /out of range/);
  assert.throws(() => sm2PublicKey(new Uint8Array(31)));
});

test('ed25519 signing is deterministic and verifies strictly', () => {
  const secret = fixedSecret(1);
  const message = utf8('hello');
  const signature = ed25519Sign(secret, message);
  assert.deepEqual(ed25519Sign(secret, message), signature);
  const key = ed25519PublicKey(secret);
  assert.ok(ed25519Verify(key, message, signature));
  assert.ok(!ed25519Verify(key, utf8('hellO'), signature));
  // A small-order public key (the identity point) is refused outright.
  const identity = new Uint8Array(32);
  identity[0] = 1;
  assert.ok(!ed25519Verify(identity, message, signature));
});

test('the golden ed25519 signature is what JS signs', () => {
  const tx = goldenHex('tx_ed25519.hex');
  const body = tx.subarray(0, tx.length - 68);
  const signature = ed25519Sign(fixedSecret(1), txSigningMessage('gongxin-golden', body));
  assert.equal(toHex(tx.subarray(tx.length - 64)), toHex(signature));
});
