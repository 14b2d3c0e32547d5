// SM2 signatures (GB/T 32918.2-2016 / GM/T 0003) with SM3 and the GM/T 0009 default signer id
// "1234567812345678", as the ledger's Rust code signs and verifies them. The curve arithmetic is
// @noble/curves' generic short-Weierstrass point; the signature scheme is written here from the
// standard. Public keys are 33-byte compressed SEC1 points, signatures the 64 bytes r ‖ s.

import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { bigIntToBytes, bytesToBigInt, concatBytes, randomBytes, utf8 } from './hex';
import { sm3, sm3Parts } from './sm3';

/** The recommended curve sm2p256v1 (GB/T 32918.5-2017). */
const CURVE = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
};

const Point = weierstrass(CURVE);
type Point = InstanceType<typeof Point>;
const N = CURVE.n;

/** The GM/T 0009-2012 default distinguishing identifier. */
export const SM2_DEFAULT_ID = '1234567812345678';

export const SM2_PUBLIC_KEY_BYTES = 33;
export const SM2_SIGNATURE_BYTES = 64;

function mod(value: bigint, modulus: bigint): bigint {
  const r = value % modulus;
  return r < 0n ? r + modulus : r;
}

/** The secret scalar d; SM2 needs 1 ≤ d ≤ n − 2 (so that 1 + d is invertible). */
function secretScalar(secret: Uint8Array): bigint {
  if (secret.length !== 32) throw new Error(`an SM2 secret key is 32 bytes, got ${secret.length}`);
  const d = bytesToBigInt(secret);
  if (d < 1n || d > N - 2n) throw new Error('not a valid SM2 secret key (out of range)');
  return d;
}

/** A point from 33-byte compressed or 65-byte uncompressed SEC1 bytes; throws if invalid. */
function decodePoint(bytes: Uint8Array): Point {
  if (bytes.length !== 33 && bytes.length !== 65) {
    throw new Error(`an SM2 public key is 33 or 65 bytes, got ${bytes.length}`);
  }
  const point = Point.fromBytes(bytes);
  point.assertValidity();
  return point;
}

/** The compressed public key of a 32-byte secret. */
export function sm2PublicKey(secret: Uint8Array): Uint8Array {
  return Point.BASE.multiply(secretScalar(secret)).toBytes(true);
}

/** The canonical 33-byte compressed form of a 33- or 65-byte SEC1 key; throws if invalid. */
export function sm2NormalizePublicKey(bytes: Uint8Array): Uint8Array {
  return decodePoint(bytes).toBytes(true);
}

/** Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ Gx ‖ Gy ‖ Px ‖ Py), the signer's identity digest. */
function identityDigest(publicKey: Point, id: string): Uint8Array {
  const idBytes = utf8(id);
  const bits = idBytes.length * 8;
  if (bits > 0xffff) throw new Error('SM2 signer id too long');
  const coordinate = (value: bigint) => bigIntToBytes(value, 32);
  return sm3Parts(
    new Uint8Array([bits >> 8, bits & 0xff]),
    idBytes,
    coordinate(CURVE.a),
    coordinate(CURVE.b),
    coordinate(CURVE.Gx),
    coordinate(CURVE.Gy),
    coordinate(publicKey.x),
    coordinate(publicKey.y),
  );
}

/** e = SM3(Z ‖ M) as an integer. */
function messageScalar(publicKey: Point, message: Uint8Array, id: string): bigint {
  return bytesToBigInt(sm3(concatBytes(identityDigest(publicKey, id), message)));
}

/** A uniformly random k in [1, n − 1], by rejection sampling 256-bit candidates. */
function randomNonce(): bigint {
  for (;;) {
    const k = bytesToBigInt(randomBytes(32));
    if (k >= 1n && k < N) return k;
  }
}

/** Signs `message` with a 32-byte secret; returns r ‖ s (64 bytes). Randomised (fresh k). */
export function sm2Sign(secret: Uint8Array, message: Uint8Array, id = SM2_DEFAULT_ID): Uint8Array {
  const d = secretScalar(secret);
  const e = messageScalar(Point.BASE.multiply(d), message, id);
  const inverse = Point.Fn.inv(1n + d);
  for (;;) {
    const k = randomNonce();
    const r = mod(e + Point.BASE.multiply(k).x, N);
    if (r === 0n || r + k === N) continue;
    const s = mod(inverse * (k - r * d), N);
    if (s === 0n) continue;
    return concatBytes(bigIntToBytes(r, 32), bigIntToBytes(s, 32));
  }
}

/** Whether `signature` (r ‖ s) is valid for `message` under a 33- or 65-byte public key. */
export function sm2Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  id = SM2_DEFAULT_ID,
): boolean {
  if (signature.length !== SM2_SIGNATURE_BYTES) return false;
  let point: Point;
  try {
    point = decodePoint(publicKey);
  } catch {
    return false;
  }
  const r = bytesToBigInt(signature.subarray(0, 32));
  const s = bytesToBigInt(signature.subarray(32));
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const t = mod(r + s, N);
  if (t === 0n) return false;
  const sum = Point.BASE.multiplyUnsafe(s).add(point.multiplyUnsafe(t));
  if (sum.is0()) return false;
  return mod(messageScalar(point, message, id) + sum.x, N) === r;
}
