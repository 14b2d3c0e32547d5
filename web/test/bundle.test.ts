// Proof bundles dropped on the auditor's desk (src/verify/bundle.ts): the golden applied entry
// in a two-leaf log whose checkpoint the fixed test keys sign verifies; one bit of the entry,
// the path or a signature, another transaction hash, or a checkpoint of another size fails.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex, utf8 } from '../src/crypto/hex';
import { leafHash, nodeHash } from '../src/app/pages/projects/merkle';
import type { ListedValidator } from '../src/verify/note';
import { parseBundle, verifyBundle, type ProofBundle } from '../src/verify/bundle';
import { listingHash } from '../src/verify/valsets';
import { goldenHex } from './support/golden';
import { fixedSigner } from './support/keys';
import { body, flipBase64, note } from './support/notes';

const listing: ListedValidator[] = [1, 2, 3, 4].map((b) => ({
  name: `v${b}`,
  department: 'finance',
  algorithm: 'ed25519',
  public_key: toHex(fixedSigner('ed25519', b).publicKey),
  power: 1,
}));
const entry = goldenHex('entry_applied.hex');
const other = leafHash(utf8('another entry'));
const root = nodeHash(other, leafHash(entry));
const bundle: ProofBundle = {
  tx_hash: toHex(goldenHex('tx_ed25519_hash.hex')),
  proof: { leaf_index: 1, tree_size: 2, entry: toHex(entry), audit_path: [toHex(other)] },
  checkpoint: note(body('gongxin/city', 2, root, listingHash(listing)), [[1, 'v1'], [2, 'v2'], [4, 'v4']]),
};

test('a bundle verifies from the genesis validators', () => {
  const verdict = verifyBundle(listing, 'city', parseBundle(JSON.stringify(bundle)));
  assert.deepEqual(verdict, { txHash: bundle.tx_hash, leafIndex: 1, treeSize: 2, signers: ['v1', 'v2', 'v4'], handovers: 0 });
});

test('one changed bit anywhere, or the wrong chain, fails with the reason', () => {
  const flipHex = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);
  const withProof = (p: Partial<ProofBundle['proof']>): ProofBundle => ({ ...bundle, proof: { ...bundle.proof, ...p } });
  assert.throws(() => verifyBundle(listing, 'city', withProof({ entry: toHex(entry).slice(0, -1) + (toHex(entry).endsWith('0') ? '1' : '0') })), /not in the log/);
  assert.throws(() => verifyBundle(listing, 'city', withProof({ audit_path: [flipHex(toHex(other))] })), /not in the log/);
  assert.throws(() => verifyBundle(listing, 'city', { ...bundle, tx_hash: '00'.repeat(32) }), /does not hold/);
  assert.throws(() => verifyBundle(listing, 'city', { ...bundle, checkpoint: flipBase64(bundle.checkpoint, 5) }));
  assert.throws(() => verifyBundle(listing, 'town', bundle));
  assert.throws(() => verifyBundle(listing, 'city', withProof({ tree_size: 3 })), /size 3/);
  assert.throws(() => parseBundle('{"tx_hash": "ab"}'), /not a proof bundle/);
  assert.throws(() => parseBundle('PK\u0003\u0004'), /not JSON/);
});
