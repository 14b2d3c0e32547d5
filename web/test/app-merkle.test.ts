// Unit tests for the console's Merkle inclusion check (src/app/pages/projects/merkle.ts):
// trees of 1..17 leaves are built here from the RFC 9162 definition (MTH and PATH, recursive)
// with SM3, and every leaf's path must fold to the root; tampering must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leafHash, nodeHash, parseCheckpoint, rootFromInclusion, verifyInclusion } from '../src/app/pages/projects/merkle';
import { sm3 } from '../src/crypto/sm3';
import { toHex } from '../src/crypto/hex';

const enc = new TextEncoder();

/** Largest power of two strictly below n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sm3(new Uint8Array());
  if (leaves.length === 1) return leafHash(leaves[0]);
  const k = split(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

function path(m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

const entries = (n: number) => Array.from({ length: n }, (_, i) => enc.encode(`entry ${i}`));

test('leaf and node hashes use the 0x00 / 0x01 prefixes', () => {
  const e = enc.encode('abc');
  assert.equal(toHex(leafHash(e)), toHex(sm3(new Uint8Array([0, 0x61, 0x62, 0x63]))));
  const l = sm3(enc.encode('l'));
  const r = sm3(enc.encode('r'));
  assert.equal(toHex(nodeHash(l, r)), toHex(sm3(new Uint8Array([1, ...l, ...r]))));
});

test('every leaf of trees of 1..17 leaves folds to the root', () => {
  for (let n = 1; n <= 17; n++) {
    const leaves = entries(n);
    const root = mth(leaves);
    for (let i = 0; i < n; i++) {
      const folded = rootFromInclusion(leafHash(leaves[i]), i, n, path(i, leaves));
      assert.ok(folded.ok, `n=${n} i=${i}`);
      assert.equal(toHex(folded.root), toHex(root), `n=${n} i=${i}`);
    }
  }
});

test('a tampered entry, wrong index, or cut path does not verify', () => {
  const leaves = entries(7);
  const cp = { origin: 'gongxin/test', treeSize: 7, root: mth(leaves) };
  const p = path(3, leaves);
  assert.deepEqual(verifyInclusion(leaves[3], 3, 7, p, cp), { ok: true, leafIndex: 3, treeSize: 7 });
  assert.equal(verifyInclusion(enc.encode('entry 3!'), 3, 7, p, cp).ok, false);
  const wrongIndex = verifyInclusion(leaves[3], 2, 7, p, cp);
  assert.equal(wrongIndex.ok, false);
  const short = verifyInclusion(leaves[3], 3, 7, p.slice(1), cp);
  assert.ok(!short.ok && short.why === 'path_too_short');
  const long = verifyInclusion(leaves[3], 3, 7, [...p, p[0]], cp);
  assert.ok(!long.ok && long.why === 'path_too_long');
  const out = verifyInclusion(leaves[3], 7, 7, p, cp);
  assert.ok(!out.ok && out.why === 'index_out_of_range');
  const size = verifyInclusion(leaves[3], 3, 8, p, cp);
  assert.ok(!size.ok && size.why === 'size_mismatch');
});

test('a checkpoint note body parses: origin, size, base64 root', () => {
  const root = mth(entries(5));
  const b64 = btoa(String.fromCharCode(...root));
  const cp = parseCheckpoint(`gongxin/devnet\n5\n${b64}\n\n— v1 AAAA\n`);
  assert.equal(cp.origin, 'gongxin/devnet');
  assert.equal(cp.treeSize, 5);
  assert.equal(toHex(cp.root), toHex(root));
  assert.throws(() => parseCheckpoint('nonsense'));
});

test('a real devnet proof bundle verifies, and its entry carries its transaction only', async () => {
  const { readFileSync } = await import('node:fs');
  const { fromHex } = await import('../src/crypto/hex');
  const { entryHasTx } = await import('../src/app/pages/projects/merkle');
  const bundle = JSON.parse(readFileSync(new URL('./fixtures/proof-bundle.json', import.meta.url.replace('/build/test/', '/test/')), 'utf8'));
  const cp = parseCheckpoint(bundle.checkpoint);
  const entry = fromHex(bundle.proof.entry);
  const v = verifyInclusion(entry, bundle.proof.leaf_index, bundle.proof.tree_size, bundle.proof.audit_path.map(fromHex), cp);
  assert.deepEqual(v, { ok: true, leafIndex: 1760, treeSize: 1762 });
  assert.equal(entryHasTx(entry, bundle.tx_hash), true);
  assert.equal(entryHasTx(entry, '00'.repeat(32)), false);
});
