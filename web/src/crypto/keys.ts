// Keys as the console handles them: the `<algorithm>:<hex>` text forms of public keys and
// signatures, the JSON key files the CLI writes (checked the way the Rust `KeyFile` checks them),
// a `Signer` that signs with a loaded key, and sealing a key file under a passphrase for the
// optional "remember on this device" (PBKDF2-SHA256 + AES-GCM via WebCrypto).

import { BilingualError } from './bilingual';
import { ED25519_SIGNATURE_BYTES, ed25519CheckPublicKey, ed25519PublicKey, ed25519Sign, ed25519Verify } from './ed25519';
import { equalBytes, fromHex, isHex, randomBytes, toHex, utf8 } from './hex';
import { SM2_SIGNATURE_BYTES, sm2NormalizePublicKey, sm2PublicKey, sm2Sign, sm2Verify } from './sm2';

export type Algorithm = 'ed25519' | 'sm2';
export const ALGORITHMS: readonly Algorithm[] = ['ed25519', 'sm2'];

/** Something that signs for one member: a key loaded from a key file. */
export interface Signer {
  algorithm: Algorithm;
  name: string;
  publicKey: Uint8Array;
  /** `ed25519:<hex>` / `sm2:<hex>`, as the ledger writes keys. */
  publicKeyText: string;
  /** The raw signature (64 bytes for both suites). */
  sign(message: Uint8Array): Uint8Array;
}

/** A checked key file. The secret stays inside `signer`. */
export interface KeyFile {
  name: string;
  algorithm: Algorithm;
  publicKeyText: string;
  signer: Signer;
}

/** Why a key, signature or key file could not be used. */
export class KeyFileError extends BilingualError {}

export interface TaggedBytes {
  algorithm: Algorithm;
  bytes: Uint8Array;
}

function isAlgorithm(text: string): text is Algorithm {
  return (ALGORITHMS as readonly string[]).includes(text);
}

/** Splits `<algorithm>:<hex>`; `what` names the value in errors. */
function parseTagged(text: string, what: { zh: string; en: string }): TaggedBytes {
  const colon = text.indexOf(':');
  const tag = colon < 0 ? '' : text.slice(0, colon);
  if (!isAlgorithm(tag)) {
    throw new KeyFileError(`${what.zh}应为 “ed25519:<十六进制>” 或 “sm2:<十六进制>”`, `${what.en} must be 'ed25519:<hex>' or 'sm2:<hex>'`);
  }
  const hex = text.slice(colon + 1);
  if (!isHex(hex)) throw new KeyFileError(`${what.zh}不是十六进制`, `${what.en} is not hex`);
  return { algorithm: tag, bytes: fromHex(hex) };
}

/** A public key from its text form, checked and (SM2) normalised to 33 compressed bytes. */
export function parsePublicKey(text: string): TaggedBytes {
  const { algorithm, bytes } = parseTagged(text, { zh: '公钥', en: 'a public key' });
  if (algorithm === 'ed25519') {
    if (!ed25519CheckPublicKey(bytes)) {
      throw new KeyFileError('不是有效的 ed25519 公钥（应为 32 字节的有效点）', 'not a valid ed25519 public key (32 bytes, a valid strong point)');
    }
    return { algorithm, bytes };
  }
  try {
    return { algorithm, bytes: sm2NormalizePublicKey(bytes) };
  } catch {
    throw new KeyFileError('不是有效的 SM2 公钥（应为 33 或 65 字节的曲线点）', 'not a valid SM2 public key (a 33- or 65-byte curve point)');
  }
}

/** A signature from its text form (64 bytes for both suites). */
export function parseSignature(text: string): TaggedBytes {
  const parsed = parseTagged(text, { zh: '签名', en: 'a signature' });
  const expected = parsed.algorithm === 'ed25519' ? ED25519_SIGNATURE_BYTES : SM2_SIGNATURE_BYTES;
  if (parsed.bytes.length !== expected) {
    throw new KeyFileError(`签名应为 ${expected} 字节，实际 ${parsed.bytes.length} 字节`, `a signature is ${expected} bytes, got ${parsed.bytes.length}`);
  }
  return parsed;
}

/** `<algorithm>:<hex>`. */
export function taggedText(algorithm: Algorithm, bytes: Uint8Array): string {
  return `${algorithm}:${toHex(bytes)}`;
}

/** Whether `signatureText` is a valid signature on `message` by `publicKeyText`. */
export function verifySignature(publicKeyText: string, message: Uint8Array, signatureText: string): boolean {
  const key = parsePublicKey(publicKeyText);
  const signature = parseSignature(signatureText);
  if (key.algorithm !== signature.algorithm) return false;
  return key.algorithm === 'ed25519'
    ? ed25519Verify(key.bytes, message, signature.bytes)
    : sm2Verify(key.bytes, message, signature.bytes);
}

/** A signer for a 32-byte secret; throws `KeyFileError` if the secret is unusable. */
export function signerFromSecret(algorithm: Algorithm, secret: Uint8Array, name: string): Signer {
  const own = Uint8Array.from(secret);
  let publicKey: Uint8Array;
  try {
    publicKey = algorithm === 'ed25519' ? ed25519PublicKey(own) : sm2PublicKey(own);
  } catch {
    throw new KeyFileError(`私钥不能用作 ${algorithm} 密钥`, `the secret key is not usable as an ${algorithm} key`);
  }
  return {
    algorithm,
    name,
    publicKey,
    publicKeyText: taggedText(algorithm, publicKey),
    sign: (message) => (algorithm === 'ed25519' ? ed25519Sign(own, message) : sm2Sign(own, message)),
  };
}

const KEY_FILE_FIELDS = ['name', 'algorithm', 'public_key', 'secret_key'] as const;

/** The JSON object of a key file, with exactly the four string fields. */
function keyFileFields(text: string): Record<(typeof KEY_FILE_FIELDS)[number], string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new KeyFileError('密钥文件不是有效的 JSON', 'the key file is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KeyFileError('密钥文件应是一个 JSON 对象', 'the key file must be a JSON object');
  }
  const record = value as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (!(KEY_FILE_FIELDS as readonly string[]).includes(field)) {
      throw new KeyFileError(`密钥文件含有未知字段 “${field}”`, `the key file has an unknown field "${field}"`);
    }
  }
  for (const field of KEY_FILE_FIELDS) {
    if (typeof record[field] !== 'string') {
      throw new KeyFileError(`密钥文件缺少字符串字段 “${field}”`, `the key file lacks the string field "${field}"`);
    }
  }
  return record as Record<(typeof KEY_FILE_FIELDS)[number], string>;
}

/** Reads and checks a key file the CLI wrote; the public key must match the secret. */
export function parseKeyFile(text: string): KeyFile {
  const fields = keyFileFields(text);
  if (!isAlgorithm(fields.algorithm)) {
    throw new KeyFileError(`未知的算法 “${fields.algorithm}”（应为 ed25519 或 sm2）`, `unknown algorithm "${fields.algorithm}" (expected ed25519 or sm2)`);
  }
  const stated = parsePublicKey(fields.public_key);
  if (stated.algorithm !== fields.algorithm) {
    throw new KeyFileError(`密钥文件的算法是 ${fields.algorithm}，公钥却是 ${stated.algorithm}`, `the key file says algorithm ${fields.algorithm} but its public key is ${stated.algorithm}`);
  }
  if (!/^[0-9a-fA-F]{64}$/.test(fields.secret_key)) {
    throw new KeyFileError('密钥文件的私钥应为 64 位十六进制数字', "the key file's secret key is not 64 hex digits");
  }
  const signer = signerFromSecret(fields.algorithm, fromHex(fields.secret_key), fields.name);
  if (!equalBytes(signer.publicKey, stated.bytes)) {
    throw new KeyFileError(
      `密钥文件的公钥与私钥不匹配（私钥对应 ${signer.publicKeyText}）`,
      `the key file's public key does not match its secret key (which gives ${signer.publicKeyText})`,
    );
  }
  return { name: fields.name, algorithm: fields.algorithm, publicKeyText: signer.publicKeyText, signer };
}

// -- sealing a key file for "remember on this device" ------------------------------------------

const SEAL_FORMAT = 'gongxin-sealed-key/v1';
const SEAL_ITERATIONS = 600_000;
const SEAL_ITERATIONS_MIN = 210_000;
const PASSPHRASE_CHARS_MIN = 8;

/** What a sealed key shows without its passphrase, and what its ciphertext is bound to. */
export interface SealedKeyInfo {
  name: string;
  publicKeyText: string;
}

interface SealedKey extends SealedKeyInfo {
  format: typeof SEAL_FORMAT;
  iterations: number;
  salt: string;
  iv: string;
  ciphertext: string;
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

async function sealingKey(passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', utf8(passphrase), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** The header fields the ciphertext is bound to (AES-GCM additional data). */
function sealedAad(info: SealedKeyInfo, iterations: number): Uint8Array<ArrayBuffer> {
  return utf8(JSON.stringify([SEAL_FORMAT, info.name, info.publicKeyText, iterations]));
}

/** Encrypts a (valid) key file under `passphrase`; the result is a JSON text for storage. */
export async function sealKeyFile(keyFileText: string, passphrase: string): Promise<string> {
  const file = parseKeyFile(keyFileText);
  if (passphrase.length < PASSPHRASE_CHARS_MIN) {
    throw new KeyFileError(`口令至少需要 ${PASSPHRASE_CHARS_MIN} 个字符`, `the passphrase needs at least ${PASSPHRASE_CHARS_MIN} characters`);
  }
  const info = { name: file.name, publicKeyText: file.publicKeyText };
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await sealingKey(passphrase, salt, SEAL_ITERATIONS);
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: sealedAad(info, SEAL_ITERATIONS) },
    key,
    utf8(keyFileText),
  );
  const sealed: SealedKey = {
    format: SEAL_FORMAT,
    ...info,
    iterations: SEAL_ITERATIONS,
    salt: toBase64(salt),
    iv: toBase64(iv),
    ciphertext: toBase64(new Uint8Array(ciphertext)),
  };
  return JSON.stringify(sealed);
}

function readSealed(sealed: string): SealedKey {
  const unusable = new KeyFileError('保存的密钥已损坏或格式不对', 'the stored key is damaged or not a sealed key');
  let value: Partial<SealedKey>;
  try {
    value = JSON.parse(sealed) as Partial<SealedKey>;
  } catch {
    throw unusable;
  }
  const isBase64 = (field: unknown) => typeof field === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(field);
  const binary = [value.salt, value.iv, value.ciphertext];
  if (value.format !== SEAL_FORMAT || typeof value.name !== 'string' || typeof value.publicKeyText !== 'string') throw unusable;
  if (!binary.every(isBase64)) throw unusable;
  if (typeof value.iterations !== 'number' || value.iterations < SEAL_ITERATIONS_MIN) throw unusable;
  return value as SealedKey;
}

/** The name and public key of a sealed key, without decrypting it. */
export function sealedKeyInfo(sealed: string): SealedKeyInfo {
  const { name, publicKeyText } = readSealed(sealed);
  return { name, publicKeyText };
}

/** Decrypts a sealed key file; a wrong passphrase throws `KeyFileError`. */
export async function openSealedKey(sealed: string, passphrase: string): Promise<string> {
  const value = readSealed(sealed);
  const key = await sealingKey(passphrase, fromBase64(value.salt), value.iterations);
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64(value.iv), additionalData: sealedAad(value, value.iterations) },
      key,
      fromBase64(value.ciphertext),
    );
  } catch {
    throw new KeyFileError('口令错误（或保存的密钥已被改动）', 'wrong passphrase (or the stored key was altered)');
  }
  return new TextDecoder().decode(plain);
}
