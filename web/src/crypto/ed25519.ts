// Ed25519 (RFC 8032) for gongxin keys, via @noble/curves. Signing is deterministic, so a
// signature made here equals the Rust node's byte for byte. Verification follows the node's
// `verify_strict`: canonical encodings only, and no small-order public key or R.

import { ed25519 } from '@noble/curves/ed25519.js';
import { equalBytes } from './hex';

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

function checkSecret(secret: Uint8Array): void {
  if (secret.length !== 32) throw new Error(`an ed25519 secret key is 32 bytes, got ${secret.length}`);
}

/** The 32-byte public key of a 32-byte secret (seed). */
export function ed25519PublicKey(secret: Uint8Array): Uint8Array {
  checkSecret(secret);
  return ed25519.getPublicKey(secret);
}

/** Signs `message` (RFC 8032, deterministic). */
export function ed25519Sign(secret: Uint8Array, message: Uint8Array): Uint8Array {
  checkSecret(secret);
  return ed25519.sign(message, secret);
}

/** Whether `bytes` is a canonical encoding of a point that is not of small order. */
function isStrongPoint(bytes: Uint8Array): boolean {
  try {
    const point = ed25519.Point.fromBytes(bytes, false);
    return !point.isSmallOrder() && equalBytes(point.toBytes(), bytes);
  } catch {
    return false;
  }
}

/** Whether a public key is usable: 32 bytes, canonical, not a weak (small-order) point. */
export function ed25519CheckPublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length === ED25519_PUBLIC_KEY_BYTES && isStrongPoint(publicKey);
}

/** Strict verification, the rule every node applies. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES || !ed25519CheckPublicKey(publicKey)) return false;
  if (!isStrongPoint(signature.subarray(0, 32))) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
