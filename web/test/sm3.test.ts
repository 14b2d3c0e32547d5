// SM3 known answers (GB/T 32905-2016 Appendix A) and incremental hashing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex, utf8 } from '../src/crypto/hex';
import { Sm3, hashBlob, sm3, sm3Parts } from '../src/crypto/sm3';

test('SM3("abc") matches the standard', () => {
  assert.equal(toHex(sm3(utf8('abc'))), '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
});

test('SM3("abcd" x 16) matches the standard', () => {
  assert.equal(toHex(sm3(utf8('abcd'.repeat(16)))), 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
});

test('SM3 of the empty input', () => {
  assert.equal(toHex(sm3(new Uint8Array(0))), '1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b');
});

test('1 MB hashed in odd-sized chunks equals the one-shot hash', () => {
  const data = new Uint8Array(1 << 20).map((_, i) => (i * 31 + 7) & 0xff);
  const oneShot = sm3(data);
  const hasher = new Sm3();
  for (let offset = 0, size = 1; offset < data.length; offset += size, size = (size * 7 + 13) % 9973) {
    hasher.update(data.subarray(offset, offset + size));
  }
  assert.deepEqual(hasher.digest(), oneShot);
});

test('block-boundary lengths (55, 56, 63, 64, 65 bytes) agree one-shot and byte by byte', () => {
  for (const length of [55, 56, 63, 64, 65, 119, 120]) {
    const data = new Uint8Array(length).fill(0x61);
    const hasher = new Sm3();
    data.forEach((byte) => hasher.update(new Uint8Array([byte])));
    assert.deepEqual(hasher.digest(), sm3(data), `length ${length}`);
  }
});

test('sm3Parts hashes the concatenation', () => {
  assert.deepEqual(sm3Parts(utf8('ab'), new Uint8Array(0), utf8('c')), sm3(utf8('abc')));
});

test('a digested hasher refuses more input', () => {
  const hasher = new Sm3().update(utf8('abc'));
  hasher.digest();
  assert.throws(() => hasher.update(utf8('d')));
  assert.throws(() => hasher.digest());
});

test('hashBlob reads a Blob in slices and reports progress', async () => {
  const data = new Uint8Array(200_005).map((_, i) => i & 0xff);
  const seen: number[] = [];
  const digest = await hashBlob(new Blob([data]), { sliceBytes: 100_000, onProgress: (bytes) => seen.push(bytes) });
  assert.deepEqual(digest, sm3(data));
  assert.equal(seen.at(-1), data.length);
  assert.equal(seen.length, 3);
});
