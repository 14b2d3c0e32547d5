// The browser's public-record verifier against the Rust golden vectors (core/tests/golden.rs):
// the JCS leaf and its SM3 leaf hash, a validator listing's identity, a public checkpoint with
// its `validators` line; then hand-overs and a whole record, built here with fixed keys.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { equalBytes, toHex, utf8 } from '../src/crypto/hex';
import { sm3 } from '../src/crypto/sm3';
import { leafHash, nodeHash } from '../src/app/pages/projects/merkle';
import { canonicalize } from '../src/verify/jcs';
import { parseNote, verifyQuorum, type ListedValidator } from '../src/verify/note';
import { genesisHash, genesisListing } from '../src/verify/genesis';
import { leafInLog } from '../src/verify/record';
import { follow, listingHash, verifyTrusted, type HandOver } from '../src/verify/valsets';
import { goldenHex, goldenJson, goldenText } from './support/golden';
import type { JsonSchemaRoot } from '../src/wire/schema';
import { fixedSigner } from './support/keys';
import { body, note } from './support/notes';

function listed(algorithm: 'ed25519' | 'sm2', byte: number, name: string, power = 1): ListedValidator {
  return {
    name,
    department: 'finance',
    algorithm,
    public_key: toHex(fixedSigner(algorithm, byte).publicKey),
    power,
  };
}

test('JCS rebuilds the golden leaf byte for byte, and its leaf hash', () => {
  const text = goldenText('public_leaf.json').trimEnd();
  const value = JSON.parse(text) as Record<string, unknown>;
  // Members in another order canonicalize to the same text.
  const shuffled = Object.fromEntries(Object.entries(value).reverse());
  assert.equal(canonicalize(shuffled), text);
  assert.ok(equalBytes(leafHash(utf8(text)), goldenHex('public_leaf_hash.hex')));
  assert.throws(() => canonicalize({ a: 1.5 }));
});

test('a listing hashes to the golden identity and the golden public checkpoint verifies', () => {
  const listing = [listed('ed25519', 1, 'v1', 1), listed('sm2', 2, 'v2', 2)];
  assert.equal(listingHash(listing), toHex(goldenHex('validator_set_protocol_hash.hex')));
  const parsed = parseNote(goldenText('public_checkpoint.txt'));
  assert.equal(parsed.checkpoint.origin, 'gongxin/gongxin-golden/public');
  assert.equal(parsed.checkpoint.validators, listingHash(listing));
  // v1 alone holds 1 of 3: its signature is good, the quorum is not there.
  assert.throws(() => verifyQuorum(parsed, 'gongxin/gongxin-golden/public', listing), /more than 2\/3/);
  assert.deepEqual(verifyQuorum(parsed, 'gongxin/gongxin-golden/public', [listing[0]]), ['v1']);
  // One bit of the root changed: v1's signature fails.
  const tampered = goldenText('public_checkpoint.txt').replace(/^(.*\n.*\n)(.)/, (_, head: string, c: string) =>
    head + (c === 'A' ? 'B' : 'A'),
  );
  assert.throws(() => verifyQuorum(parseNote(tampered), 'gongxin/gongxin-golden/public', [listing[0]]), /does not verify/);
});

test('hand-overs are followed from genesis; a weak or relisted one is refused', () => {
  const origin = 'gongxin/city/public';
  const s0 = [1, 2, 3, 4].map((b) => listed('ed25519', b, `v${b}`));
  const s1 = [1, 2, 3, 5].map((b) => listed('ed25519', b, `v${b}`));
  const root = sm3(utf8('root'));
  const handover = (signers: number[], validators = s1): HandOver => ({
    first_height: 10,
    validators,
    checkpoint: '',
    public_checkpoint: note(body(origin, 20, root, listingHash(s1)), signers.map((b) => [b, `v${b}`])),
  });
  const trusted = follow(s0, origin, 'public', [handover([1, 2, 4])]);
  const later = parseNote(note(body(origin, 30, root, listingHash(s1)), [[1, `v1`], [3, 'v3'], [5, 'v5']]));
  assert.deepEqual(verifyTrusted(trusted, later), ['v1', 'v3', 'v5']);
  assert.throws(() => verifyTrusted(follow(s0, origin, 'public', []), parseNote(note(body(origin, 30, root, listingHash(s1)), [[5, 'v5'], [1, 'v1']]))));
  assert.throws(() => follow(s0, origin, 'public', [handover([1, 2])]), /more than 2\/3/);
  assert.throws(() => follow(s0, origin, 'public', [handover([1, 2, 3], s0)]), /not the set its checkpoint names/);
});

test('a record is rebuilt from its view and folds to the signed root; one changed bit does not', () => {
  const chainId = 'city';
  const view = { id: 'P-1', name: '城南路', budget_fen: 100, stage: 'in_progress' };
  const leaf = canonicalize({ chain: chainId, height: 7, tx: '00'.repeat(32), kind: 'project', id: 'P-1', view });
  const sibling = sm3(utf8('sibling'));
  const root = nodeHash(leafHash(utf8(leaf)), sibling);
  const signed = parseNote(note(body(`gongxin/${chainId}/public`, 2, root, '00'.repeat(32)), [[1, 'v1']]));
  const proof = { leaf_index: 0, tree_size: 2, leaf, audit_path: [toHex(sibling)] };
  assert.equal(leafInLog(signed, chainId, 'project', 'P-1', view, proof), 7, 'the height of the leaf');
  assert.throws(() => leafInLog(signed, chainId, 'project', 'P-1', { ...view, budget_fen: 101 }, proof), /not the leaf/);
  assert.throws(() => leafInLog(signed, 'town', 'project', 'P-1', view, proof), /not the leaf/);
  assert.throws(() => leafInLog(signed, chainId, 'contract', 'P-1', view, proof), /not the leaf/);
  const path = toHex(sibling).replace(/^./, (c) => (c === '0' ? '1' : '0'));
  assert.throws(() => leafInLog(signed, chainId, 'project', 'P-1', view, { ...proof, audit_path: [path] }), /not the leaf/);
  assert.throws(() => leafInLog(signed, chainId, 'project', 'P-1', view, { ...proof, tree_size: 3 }), /another size/);
  assert.throws(() => leafInLog(signed, chainId, 'project', 'P-1', view, { ...proof, leaf: '{"height":7}' }), /no height or transaction/);
});

test('the genesis hash is recomputed from the genesis JSON and its schema, and changes with a validator', () => {
  const schema = goldenJson<JsonSchemaRoot>('genesis.schema.json');
  const genesis = goldenJson<Record<string, unknown> & Parameters<typeof genesisListing>[0]>('genesis.parsed.json');
  assert.equal(genesisHash(schema, genesis), toHex(goldenHex('genesis_hash.hex')));
  const listing = genesisListing(genesis);
  assert.equal(listing.length, genesis.validators.validators.length);
  // Another validator's power, or another key: another genesis.
  const other = structuredClone(genesis);
  other.validators.validators[0].power += 1;
  assert.notEqual(genesisHash(schema, other), genesisHash(schema, genesis));
  const swapped = structuredClone(genesis);
  const [a, b] = swapped.validators.validators;
  [a.public_key, b.public_key] = [b.public_key, a.public_key];
  assert.notEqual(genesisHash(schema, swapped), genesisHash(schema, genesis));
});
