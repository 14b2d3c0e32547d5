// The canonical encoder against the Rust golden vectors: the two transactions of
// core/tests/golden.rs rebuilt from JSON through the node's TxBody schema, and one body of every
// operation kind from core/tests/golden/operations.json.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex } from '../src/crypto/hex';
import { verifySignature } from '../src/crypto/keys';
import { sm3 } from '../src/crypto/sm3';
import { encodeBySchema } from '../src/wire/encode';
import type { JsonSchemaRoot } from '../src/wire/schema';
import { buildTxBody, signTx, signedTxBytes, txHash, txSigningMessage, type TxBody } from '../src/wire/tx';
import { goldenHex, goldenJson } from './support/golden';
import { fixedSigner } from './support/keys';

const schema = goldenJson<JsonSchemaRoot>('tx_body.schema.json');
const CHAIN = 'gongxin-golden';

function proposeBody(): TxBody {
  return buildTxBody({
    chainId: CHAIN,
    signer: fixedSigner('ed25519', 1),
    nonce: 42,
    validUntilHeight: 1_000,
    operation: {
      propose_project: {
        id: 'SC-2026-001',
        name: '智慧交通信号系统',
        category: 'smart-city/transport',
        location: 'Xinhua District',
        programme: 'SC-2026',
        planned_start_ms: 1_767_225_600_000,
        planned_end_ms: 1_798_761_600_000,
        requested_budget_fen: 1_250_000_000,
        disclosure: 'public',
        description: 'Adaptive signal control at 48 junctions',
      },
    },
  });
}

function contractBody(): TxBody {
  return buildTxBody({
    chainId: CHAIN,
    signer: fixedSigner('sm2', 2),
    nonce: 7,
    validUntilHeight: 2_000,
    operation: {
      sign_contract: {
        id: 'SC-2026-001-C1',
        project: 'SC-2026-001',
        contractor: { name: '某某智能交通有限公司', credit_code: '91350100M000100Y43' },
        amount_fen: 1_180_000_000,
        advance_share_bp: 1_000,
        milestones: [{ name: 'design accepted', progress_bp: 3_000, share_bp: 3_000, due_ms: 1_775_000_000_000 }],
        document_hash: toHex(sm3(new TextEncoder().encode('contract.pdf'))),
      },
    },
  });
}

test('ed25519 golden transaction: whole signed bytes and hash, byte for byte', () => {
  const signer = fixedSigner('ed25519', 1);
  const { signed, hash, bodyBytes } = signTx(schema, signer, proposeBody());
  assert.equal(toHex(signedTxBytes(bodyBytes, signed.signature)), toHex(goldenHex('tx_ed25519.hex')));
  assert.equal(hash, toHex(goldenHex('tx_ed25519_hash.hex')));
  assert.equal(txHash(schema, signed.body), hash);
});

test('SM2 golden transaction: body bytes and hash; JS signature verifies', () => {
  const signer = fixedSigner('sm2', 2);
  const golden = goldenHex('tx_sm2.hex');
  const { signed, hash, bodyBytes } = signTx(schema, signer, contractBody());
  assert.equal(toHex(bodyBytes), toHex(golden.subarray(0, golden.length - 68)));
  assert.equal(hash, toHex(goldenHex('tx_sm2_hash.hex')));
  assert.ok(verifySignature(signer.publicKeyText, txSigningMessage(CHAIN, bodyBytes), signed.signature));
  assert.equal(toHex(signedTxBytes(bodyBytes, signed.signature)).length, golden.length * 2);
});

test('the golden programme field may also be absent (serde default → None)', () => {
  const body = proposeBody();
  const op = (body.operation as { propose_project: Record<string, unknown> }).propose_project;
  delete op.programme;
  const withNull = proposeBody();
  (withNull.operation as { propose_project: Record<string, unknown> }).propose_project.programme = null;
  assert.deepEqual(encodeBySchema(schema, body), encodeBySchema(schema, withNull));
});

test('signTx refuses a body naming another signer', () => {
  assert.throws(() => signTx(schema, fixedSigner('ed25519', 9), proposeBody()), /names signer/);
});

interface OperationVector {
  kind: string;
  body: TxBody;
  body_hex: string;
  tx_hash: string;
}

test('every operation kind in operations.json encodes to the Rust bytes and hash', () => {
  const vectors = goldenJson<OperationVector[]>('operations.json');
  assert.ok(vectors.length >= 31, `expected one vector per operation kind, got ${vectors.length}`);
  for (const vector of vectors) {
    const bytes = encodeBySchema(schema, vector.body);
    assert.equal(toHex(bytes), vector.body_hex, vector.kind);
    assert.equal(toHex(sm3(bytes)), vector.tx_hash, vector.kind);
  }
});
