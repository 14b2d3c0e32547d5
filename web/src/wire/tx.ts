// Transactions as the console builds them: the TxBody JSON the node accepts at `POST /v1/txs`,
// its canonical bytes (through the node's schema), the tx hash SM3(body bytes) and the signature
// over "gongxin/tx/v1" ‖ 0x00 ‖ u64-BE len(chain id) ‖ chain id ‖ body bytes (core/src/tx.rs).

import { concatBytes, randomBytes, toHex, utf8 } from '../crypto/hex';
import { taggedText, type Signer } from '../crypto/keys';
import { sm3 } from '../crypto/sm3';
import { encodeBySchema } from './encode';
import type { JsonSchemaRoot } from './schema';

export const TX_SIGNING_DOMAIN = 'gongxin/tx/v1';

const SIGNATURE_SCHEMA: JsonSchemaRoot = { type: 'string', 'x-wire': 'signature' };

/** The JSON form of core::tx::TxBody. `operation` is an externally tagged Operation. */
export interface TxBody {
  chain_id: string;
  signer: string;
  replay: { nonce: number; valid_until_height: number };
  operation: unknown;
}

/** The JSON form of core::tx::SignedTx, what `POST /v1/txs` takes. */
export interface SignedTx {
  body: TxBody;
  signature: string;
}

export interface SignedTxResult {
  signed: SignedTx;
  /** SM3 of the body's canonical bytes, 64 hex digits: the transaction's id. */
  hash: string;
  bodyBytes: Uint8Array;
}

export interface TxBodyInput {
  chainId: string;
  signer: Signer;
  /** Any u64 below 2^53; a random one when omitted. */
  nonce?: number;
  /** The last height at which the transaction may be committed (status height + a margin). */
  validUntilHeight: number;
  operation: unknown;
}

/** A random nonce below 2^53, so it survives JSON numbers in every language. */
export function randomNonce(): number {
  const bytes = randomBytes(7);
  bytes[0] &= 0x1f; // 5 + 6 × 8 = 53 bits
  return bytes.reduce((value, byte) => value * 256 + byte, 0);
}

export function buildTxBody(input: TxBodyInput): TxBody {
  return {
    chain_id: input.chainId,
    signer: input.signer.publicKeyText,
    replay: { nonce: input.nonce ?? randomNonce(), valid_until_height: input.validUntilHeight },
    operation: input.operation,
  };
}

/** The exact bytes a transaction's signature covers. */
export function txSigningMessage(chainId: string, bodyBytes: Uint8Array): Uint8Array {
  const chain = utf8(chainId);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(chain.length));
  return concatBytes(utf8(TX_SIGNING_DOMAIN), new Uint8Array([0]), length, chain, bodyBytes);
}

/** The tx hash (hex) of a body: SM3 of its canonical bytes. */
export function txHash(schema: JsonSchemaRoot, body: TxBody): string {
  return toHex(sm3(encodeBySchema(schema, body)));
}

/** Encodes, hashes and signs `body`, whose `signer` must be `signer`'s public key. */
export function signTx(schema: JsonSchemaRoot, signer: Signer, body: TxBody): SignedTxResult {
  if (body.signer !== signer.publicKeyText) {
    throw new Error(`the body names signer ${body.signer}, but the key is ${signer.publicKeyText}`);
  }
  const bodyBytes = encodeBySchema(schema, body);
  const signature = taggedText(signer.algorithm, signer.sign(txSigningMessage(body.chain_id, bodyBytes)));
  return { signed: { body, signature }, hash: toHex(sm3(bodyBytes)), bodyBytes };
}

/** The canonical bytes of a whole SignedTx: the body's, then the signature enum. */
export function signedTxBytes(bodyBytes: Uint8Array, signatureText: string): Uint8Array {
  return concatBytes(bodyBytes, encodeBySchema(SIGNATURE_SCHEMA, signatureText));
}
