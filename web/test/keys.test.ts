// Key files as the CLI writes them, their errors (in both languages), the text forms of keys
// and signatures, and sealing a key file under a passphrase.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex, utf8 } from '../src/crypto/hex';
import {
  KeyFileError,
  openSealedKey,
  parseKeyFile,
  parsePublicKey,
  parseSignature,
  sealKeyFile,
  sealedKeyInfo,
  taggedText,
  verifySignature,
} from '../src/crypto/keys';
import { fixedSigner } from './support/keys';

function keyFileText(algorithm: 'ed25519' | 'sm2', byte: number, overrides: Record<string, unknown> = {}): string {
  const signer = fixedSigner(algorithm, byte);
  const file = { name: 'finance-director', algorithm, public_key: signer.publicKeyText, secret_key: toHex(new Uint8Array(32).fill(byte)), ...overrides };
  return JSON.stringify(file, null, 2);
}

function keyFileError(text: string, en: RegExp, zh: RegExp): void {
  assert.throws(
    () => parseKeyFile(text),
    (error: unknown) => error instanceof KeyFileError && en.test(error.en) && zh.test(error.zh),
  );
}

test('a CLI key file loads, and its signer signs verifiably', () => {
  for (const algorithm of ['ed25519', 'sm2'] as const) {
    const file = parseKeyFile(keyFileText(algorithm, 4));
    assert.equal(file.name, 'finance-director');
    assert.equal(file.algorithm, algorithm);
    assert.equal(file.signer.publicKeyText, file.publicKeyText);
    const message = utf8('hello');
    assert.ok(verifySignature(file.publicKeyText, message, taggedText(algorithm, file.signer.sign(message))));
  }
});

test('key file errors: bad JSON, wrong shape, unknown field, missing field', () => {
  keyFileError('{"name":', /not valid JSON/, /不是有效的 JSON/);
  keyFileError('[]', /must be a JSON object/, /JSON 对象/);
  keyFileError(keyFileText('ed25519', 1, { comment: 'x' }), /unknown field "comment"/, /未知字段 “comment”/);
  keyFileError(JSON.stringify({ name: 'a', algorithm: 'sm2', public_key: 'sm2:00' }), /lacks the string field "secret_key"/, /缺少/);
  keyFileError(keyFileText('ed25519', 1, { name: 7 }), /field "name"/, /“name”/);
});

test('key file errors: algorithm, public key and secret problems', () => {
  keyFileError(keyFileText('ed25519', 1, { algorithm: 'rsa' }), /unknown algorithm "rsa"/, /未知的算法/);
  keyFileError(keyFileText('ed25519', 1, { algorithm: 'sm2' }), /says algorithm sm2 but its public key is ed25519/, /算法/);
  keyFileError(keyFileText('ed25519', 1, { secret_key: 'zz' }), /not 64 hex digits/, /64 位十六进制/);
  keyFileError(keyFileText('ed25519', 1, { public_key: fixedSigner('ed25519', 2).publicKeyText }), /does not match its secret key/, /不匹配/);
  keyFileError(keyFileText('sm2', 2, { secret_key: '00'.repeat(32) }), /not usable as an sm2 key/, /私钥/);
  keyFileError(keyFileText('ed25519', 1, { public_key: 'ed25519:xyz' }), /not hex/, /十六进制/);
});

test('text forms: SM2 keys normalise to compressed, signatures have 64 bytes', () => {
  const signer = fixedSigner('sm2', 2);
  assert.deepEqual(parsePublicKey(signer.publicKeyText).bytes, signer.publicKey);
  assert.throws(() => parsePublicKey('sm2:02'), KeyFileError);
  assert.throws(() => parsePublicKey('ed25519'), /ed25519:<hex>/);
  assert.equal(parseSignature(`sm2:${'11'.repeat(64)}`).bytes.length, 64);
  assert.throws(() => parseSignature(`ed25519:${'11'.repeat(63)}`), /64 bytes, got 63/);
  const message = utf8('m');
  const signature = taggedText('ed25519', fixedSigner('ed25519', 1).sign(message));
  assert.ok(!verifySignature(signer.publicKeyText, message, signature), 'an algorithm mismatch never verifies');
});

test('sealing: round trip, public info, wrong passphrase, short passphrase, tampering', async () => {
  const text = keyFileText('sm2', 3);
  const sealed = await sealKeyFile(text, 'correct horse battery');
  assert.ok(!sealed.includes(toHex(new Uint8Array(32).fill(3))), 'the secret is not in the clear');
  assert.deepEqual(sealedKeyInfo(sealed), { name: 'finance-director', publicKeyText: fixedSigner('sm2', 3).publicKeyText });
  assert.equal(await openSealedKey(sealed, 'correct horse battery'), text);
  await assert.rejects(openSealedKey(sealed, 'wrong horse battery'), (error: unknown) => error instanceof KeyFileError && /wrong passphrase/.test(error.en) && /口令错误/.test(error.zh));
  await assert.rejects(sealKeyFile(text, 'short'), /at least 8 characters/);
  const renamed = JSON.stringify({ ...JSON.parse(sealed), name: 'someone-else' });
  await assert.rejects(openSealedKey(renamed, 'correct horse battery'), /wrong passphrase/);
  const weakened = JSON.stringify({ ...JSON.parse(sealed), iterations: 1000 });
  await assert.rejects(openSealedKey(weakened, 'correct horse battery'), /damaged/);
  await assert.rejects(openSealedKey('not json', 'correct horse battery'), /damaged/);
  const garbled = JSON.stringify({ ...JSON.parse(sealed), iv: '!!' });
  await assert.rejects(openSealedKey(garbled, 'correct horse battery'), /damaged/);
});
