// The fixed test keys of core/tests/golden.rs: secrets of 32 equal bytes.

import { signerFromSecret, type Algorithm, type Signer } from '../../src/crypto/keys';

export function fixedSecret(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

export function fixedSigner(algorithm: Algorithm, byte: number, name = `${algorithm}-${byte}`): Signer {
  return signerFromSecret(algorithm, fixedSecret(byte), name);
}
