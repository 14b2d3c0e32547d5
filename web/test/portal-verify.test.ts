// The portal's verify button, as the pure check it runs (src/verify/page.ts): the golden
// genesis (fixed ed25519 keys 10–13 for its four validators) pinned by its golden hash, a
// public checkpoint those keys sign, two records with their proofs; then each step broken by
// one changed bit or value, and the step the reader is told failed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex, utf8 } from '../src/crypto/hex';
import { leafHash, nodeHash } from '../src/app/pages/projects/merkle';
import { genesisListing } from '../src/verify/genesis';
import { canonicalize } from '../src/verify/jcs';
import { displayText, parseEvidence, shownMismatches, verifyPage, VerifyError, type PageRecord, type Served, type Step } from '../src/verify/page';
import { listingHash } from '../src/verify/valsets';
import { goldenHex, goldenJson } from './support/golden';
import { fixedSigner } from './support/keys';
import { body, flipBase64, note } from './support/notes';

type GenesisJson = Parameters<typeof genesisListing>[0] & { chain_id: string };

const genesis = goldenJson<GenesisJson>('genesis.parsed.json');
const pinned = toHex(goldenHex('genesis_hash.hex'));
const listing = genesisListing(genesis);
const TX = 'ab'.repeat(32);

const records: PageRecord[] = [
  { kind: 'project', id: 'P-1', leaf_index: 0, view: { id: 'P-1', name: '城南路', budget_fen: 100_000, stage: 'in_progress' } },
  { kind: 'contract', id: 'C-1', leaf_index: 1, view: { id: 'C-1', project: 'P-1', amount_fen: 90_000 } },
];

function leafOf(record: PageRecord, height: number): string {
  return canonicalize({ chain: genesis.chain_id, height, tx: TX, kind: record.kind, id: record.id, view: record.view });
}

/** What an honest node serves for `records`: a two-leaf log, signed by three of four. */
function served(): Served {
  const leaves = records.map((r, i) => leafOf(r, 5 + i));
  const hashes = leaves.map((l) => leafHash(utf8(l)));
  const root = nodeHash(hashes[0], hashes[1]);
  const origin = `gongxin/${genesis.chain_id}/public`;
  const signers: [number, string][] = listing.slice(0, 3).map((v, i) => [10 + i, v.name]);
  return {
    genesis,
    checkpoint: note(body(origin, 2, root, listingHash(listing)), signers),
    handovers: [],
    proofs: leaves.map((leaf, i) => ({ leaf_index: i, tree_size: 2, leaf, audit_path: [toHex(hashes[1 - i])] })),
  };
}

/** The main figures as the portal marks them, with the text a reader sees. */
const shown = [
  { record: 0, field: 'id', raw: '"P-1"', text: 'P-1' },
  { record: 0, field: 'name', raw: '"城南路"', text: ' 城南路 ' },
  { record: 0, field: 'stage', raw: '"in_progress"', text: '实施中' },
  { record: 0, field: 'budget_fen', raw: '100000', text: '¥1,000.00' },
];

function failsAt(step: Step, run: () => unknown): void {
  assert.throws(run, (error: unknown) => error instanceof VerifyError && error.step === step);
}

test('the golden genesis validators are the fixed keys the test signs with', () => {
  listing.forEach((v, i) => assert.equal(v.public_key, toHex(fixedSigner('ed25519', 10 + i).publicKey)));
});

test('an honest page verifies: genesis recomputed, quorum, every record, every shown value', () => {
  const verdict = verifyPage(pinned, records, shown, served());
  assert.equal(verdict.genesisHash, pinned);
  assert.equal(verdict.chainId, genesis.chain_id);
  assert.equal(verdict.treeSize, 2);
  assert.deepEqual(verdict.signers, listing.slice(0, 3).map((v) => v.name));
  assert.deepEqual(
    verdict.records.map((r) => [r.kind, r.id, r.leafIndex, r.height]),
    [['project', 'P-1', 0, 5], ['contract', 'C-1', 1, 6]],
  );
  assert.equal(verdict.shownChecked, 4);
  // The pinned hash may be in capitals; it is the same hash.
  assert.equal(verifyPage(pinned.toUpperCase(), records, shown, served()).genesisHash, pinned);
});

test('each kind of tampering fails at the step that names it', () => {
  const honest = served();
  // Another pinned hash, or a genesis whose validator keys were swapped.
  failsAt('genesis', () => verifyPage(pinned.replace(/^./, (c) => (c === '0' ? '1' : '0')), records, shown, honest));
  const swapped = structuredClone(genesis);
  swapped.validators.validators[0].public_key = `ed25519:${toHex(fixedSigner('ed25519', 99).publicKey)}`;
  failsAt('genesis', () => verifyPage(pinned, records, shown, { ...honest, genesis: swapped }));
  // One bit of a signature, or a quorum short.
  failsAt('checkpoint', () => verifyPage(pinned, records, shown, { ...honest, checkpoint: flipBase64(honest.checkpoint, 5) }));
  const lines = honest.checkpoint.split('\n');
  const short = [...lines.slice(0, 5), lines[6], ''].join('\n');
  failsAt('checkpoint', () => verifyPage(pinned, records, shown, { ...honest, checkpoint: short }));
  // One bit of the page's data, of an audit path, or a proof for another leaf.
  const edited = structuredClone(records);
  edited[1].view.amount_fen = 90_001;
  failsAt('records', () => verifyPage(pinned, edited, shown, honest));
  const path = honest.proofs[0].audit_path[0];
  const bent = { ...honest.proofs[0], audit_path: [path.replace(/^./, (c) => (c === '0' ? '1' : '0'))] };
  failsAt('records', () => verifyPage(pinned, records, shown, { ...honest, proofs: [bent, honest.proofs[1]] }));
  failsAt('records', () => verifyPage(pinned, records, shown, { ...honest, proofs: [honest.proofs[1], honest.proofs[0]] }));
  failsAt('records', () => verifyPage(pinned, records, shown, { ...honest, proofs: [honest.proofs[0]] }));
  // A shown value that is not the signed one, text that is not the value, a figure not marked.
  const edit = (i: number, change: Partial<(typeof shown)[number]>) => shown.map((v, j) => (i === j ? { ...v, ...change } : v));
  failsAt('shown', () => verifyPage(pinned, records, edit(3, { raw: '100001' }), honest));
  failsAt('shown', () => verifyPage(pinned, records, edit(3, { text: '¥1,000.01' }), honest));
  failsAt('shown', () => verifyPage(pinned, records, edit(2, { text: '已验收' }), honest));
  failsAt('shown', () => verifyPage(pinned, records, shown.slice(1), honest));
});

test('the data block is read strictly, and shown values compare as canonical JSON', () => {
  assert.deepEqual(parseEvidence(JSON.stringify({ records })), records);
  failsAt('page', () => parseEvidence('{"records": ['));
  failsAt('page', () => parseEvidence('{"records": []}'));
  failsAt('page', () => parseEvidence('{"records": [{"kind": "project", "id": "P-1", "view": {}}]}'));
  const with_ = (extra: { record: number; field: string; raw: string; text?: string }) => shownMismatches(records, [...shown, extra]);
  assert.deepEqual(with_({ record: 0, field: 'budget_fen', raw: ' 100000 ' }), []);
  assert.match(with_({ record: 0, field: 'stage', raw: '"closed"' })[0], /stage is shown as "closed"/);
  assert.match(with_({ record: 0, field: 'missing', raw: 'null' })[0], /says nothing/);
  assert.match(with_({ record: 7, field: 'id', raw: '"P-1"' })[0], /record 7/);
  assert.match(with_({ record: 1, field: 'amount_fen', raw: '90000', text: '¥900.01' })[0], /reads “¥900.01”/);
  assert.deepEqual(with_({ record: 1, field: 'amount_fen', raw: '90000', text: '¥900.00' }), []);
  // The first record must be the page's project; its main figures must be marked.
  assert.match(shownMismatches([records[1], records[0]], shown)[0], /not its project/);
  assert.deepEqual(shownMismatches(records, []), ['id', 'name', 'stage', 'budget_fen'].map((f) => `the page does not mark the ${f} it shows`));
  // English pages read stages in English.
  assert.deepEqual(shownMismatches(records, shown.map((v) => (v.field === 'stage' ? { ...v, text: 'In progress' } : v)), false), []);
});

test('figures read as the portal formats them (node/src/gateway/portal/page.rs)', () => {
  assert.equal(displayText('budget_fen', 123_456_789, true), '¥1,234,567.89');
  assert.equal(displayText('budget_fen', 0, true), '¥0.00');
  assert.equal(displayText('accepted_progress_bp', 6_543, true), '65.4%');
  assert.equal(displayText('accepted_progress_bp', 10_000, true), '100.0%');
  assert.equal(displayText('planned_end_ms', Date.UTC(2026, 11, 31, 16, 30), true), '2027-01-01', 'Beijing time');
  assert.equal(displayText('stage', 'acceptance_requested', false), 'Acceptance requested');
  assert.equal(displayText('programme', null, true), '—');
  assert.equal(displayText('owner_department', 'transport', true), null);
});
