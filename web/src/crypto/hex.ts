// Byte helpers shared by the crypto, wire and API modules: lowercase hex (the form every hash,
// key and signature takes in gongxin's JSON and text), concatenation, UTF-8 and random bytes.

const HEX_DIGITS = '0123456789abcdef';
const HEX_PATTERN = /^(?:[0-9a-fA-F]{2})*$/;

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX_DIGITS[byte >> 4] + HEX_DIGITS[byte & 15];
  return out;
}

/** Whether `text` is an even number of hex digits (either case). */
export function isHex(text: string): boolean {
  return HEX_PATTERN.test(text);
}

/** Bytes of an even-length hex text (either case); throws on anything else. */
export function fromHex(text: string): Uint8Array<ArrayBuffer> {
  if (!isHex(text)) throw new Error(`not an even number of hex digits: ${JSON.stringify(text.slice(0, 80))}`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The concatenation of `parts`. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Whether two byte arrays hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** `length` bytes from the platform's cryptographic random number generator. */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  crypto.getRandomValues(out);
  return out;
}

/** A big-endian unsigned integer from bytes. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

/** `value` (0 ≤ value < 2^(8·length)) as `length` big-endian bytes. */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n || value >> BigInt(8 * length) !== 0n) throw new Error(`${value} does not fit ${length} bytes`);
  return fromHex(value.toString(16).padStart(2 * length, '0'));
}
