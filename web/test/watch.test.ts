// The desk's checkpoint watch (src/verify/watch.ts) and the RFC 9162 consistency check under
// it (src/verify/consistency.ts): proofs made here by the RFC's SUBPROOF definition verify for
// every pair of sizes up to 17 and fail when one bit changes; the watch accepts a growing log
// and raises the right alarm for a rollback, a split view, a rewritten log, a bad signature
// and hand-overs that differ from those already seen.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex, utf8 } from '../src/crypto/hex';
import { leafHash, nodeHash } from '../src/app/pages/projects/merkle';
import { ConsistencyError, verifyConsistency } from '../src/verify/consistency';
import type { ListedValidator } from '../src/verify/note';
import { listingHash, type HandOver } from '../src/verify/valsets';
import { judge, type Remembered } from '../src/verify/watch';
import { fixedSigner } from './support/keys';
import { body, flipBase64, note } from './support/notes';

const leaves = Array.from({ length: 17 }, (_, i) => leafHash(utf8(`entry ${i}`)));

/** RFC 9162 MTH over `d`. */
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 1) return d[0];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return nodeHash(mth(d.slice(0, k)), mth(d.slice(k)));
}

/** RFC 9162 §2.1.4.1 SUBPROOF. */
function subproof(m: number, d: Uint8Array[], complete: boolean): Uint8Array[] {
  if (m === d.length) return complete ? [] : [mth(d)];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  if (m <= k) return [...subproof(m, d.slice(0, k), complete), mth(d.slice(k))];
  return [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

const flip = (h: Uint8Array): Uint8Array => Uint8Array.from(h, (b, i) => (i === 0 ? b ^ 1 : b));

test('consistency proofs verify for every pair of sizes and fail on one changed bit', () => {
  for (let n = 1; n <= leaves.length; n++) {
    for (let m = 1; m <= n; m++) {
      const first = mth(leaves.slice(0, m));
      const second = mth(leaves.slice(0, n));
      const path = subproof(m, leaves.slice(0, n), true);
      verifyConsistency(m, n, first, second, path);
      assert.throws(() => verifyConsistency(m, n, flip(first), second, path), ConsistencyError, `${m}→${n}`);
      assert.throws(() => verifyConsistency(m, n, first, flip(second), path), ConsistencyError, `${m}→${n}`);
      path.forEach((_, i) => {
        const bent = path.map((h, j) => (i === j ? flip(h) : h));
        assert.throws(() => verifyConsistency(m, n, first, second, bent), ConsistencyError, `${m}→${n} hash ${i}`);
      });
      if (m < n) {
        assert.throws(() => verifyConsistency(m, n, first, second, path.slice(1)), ConsistencyError);
        assert.throws(() => verifyConsistency(m, n, first, second, [...path, path[0]]), ConsistencyError);
      }
    }
  }
  assert.throws(() => verifyConsistency(0, 3, leaves[0], leaves[0], []), ConsistencyError);
  assert.throws(() => verifyConsistency(4, 3, leaves[0], leaves[0], []), ConsistencyError);
});

const chainId = 'city';
const origin = `gongxin/${chainId}`;
const listed = (byte: number): ListedValidator => ({
  name: `v${byte}`,
  department: 'finance',
  algorithm: 'ed25519',
  public_key: toHex(fixedSigner('ed25519', byte).publicKey),
  power: 1,
});
const genesis = [1, 2, 3, 4].map(listed);
const QUORUM: [number, string][] = [[1, 'v1'], [2, 'v2'], [3, 'v3']];

/** The checkpoint of the first `size` leaves, signed by `signers`. */
function checkpoint(size: number, signers = QUORUM, root = mth(leaves.slice(0, size))): string {
  return note(body(origin, size, root, listingHash(genesis)), signers);
}

/** The node's consistency proofs for the honest log. */
const honestProofs = async (first: number, second: number) => subproof(first, leaves.slice(0, second), true).map(toHex);

async function run(trusted: Remembered | null, presented: string, handovers: HandOver[] = [], proofs = honestProofs) {
  return judge(genesis, chainId, trusted, { note: presented, handovers }, proofs, 1_000);
}

test('a growing log is followed: first use, unchanged, extended', async () => {
  const first = await run(null, checkpoint(5));
  assert.ok(first.kind === 'first_use');
  assert.deepEqual(first.remembered.signers, ['v1', 'v2', 'v3']);
  assert.equal(first.remembered.size, 5);
  const same = await run(first.remembered, checkpoint(5, [[4, 'v4'], [2, 'v2'], [3, 'v3']]));
  assert.equal(same.kind, 'unchanged');
  const grown = await run(first.remembered, checkpoint(13));
  assert.ok(grown.kind === 'extended');
  assert.equal(grown.remembered.size, 13);
});

test('each kind of misbehaviour raises its alarm, with the evidence', async () => {
  const first = await run(null, checkpoint(8));
  assert.ok(first.kind === 'first_use');
  const trusted = first.remembered;
  const kindOf = async (presented: string, handovers: HandOver[] = [], proofs = honestProofs) => {
    const j = await run(trusted, presented, handovers, proofs);
    return j.kind === 'alarm' ? [j.alarm.kind, j.alarm.trustedNote === trusted.note, j.alarm.presentedNote === presented] : [j.kind];
  };
  // One bit of a signature: the quorum is short.
  assert.deepEqual(await kindOf(flipBase64(checkpoint(9), 5)), ['invalid_checkpoint', true, true]);
  // Two of four: no quorum.
  assert.deepEqual(await kindOf(checkpoint(9, QUORUM.slice(0, 2))), ['invalid_checkpoint', true, true]);
  // A smaller log.
  assert.deepEqual(await kindOf(checkpoint(7)), ['rollback', true, true]);
  // The same size with another root.
  assert.deepEqual(await kindOf(checkpoint(8, QUORUM, leafHash(utf8('other')))), ['inconsistent', true, true]);
  // A larger log that rewrote an entry: no proof links the roots.
  const rewritten = [...leaves.slice(0, 3), leafHash(utf8('rewritten')), ...leaves.slice(4)];
  const rewrittenProofs = async (a: number, b: number) => subproof(a, rewritten.slice(0, b), true).map(toHex);
  assert.deepEqual(await kindOf(checkpoint(12, QUORUM, mth(rewritten.slice(0, 12))), [], rewrittenProofs), ['inconsistent', true, true]);
  // Hand-overs other than those already verified.
  const handover: HandOver = { first_height: 3, validators: genesis, checkpoint: checkpoint(8), public_checkpoint: '' };
  const remembered = { ...trusted, handovers: [handover] };
  const j = await judge(genesis, chainId, remembered, { note: checkpoint(9), handovers: [] }, honestProofs, 1);
  assert.ok(j.kind === 'alarm' && j.alarm.kind === 'inconsistent' && /hand-overs/.test(j.alarm.reason));
  // Not a note at all.
  assert.deepEqual(await kindOf('garbage'), ['invalid_checkpoint', true, true]);
});

test('a hash that is not 32 bytes is refused, so no non-Merkle root can fold to a signed one', () => {
  // Size 3 → 4 with the path [AB‖C (64 bytes), c1, ""]: without the length check the empty
  // "hash" makes the old root come out right while the new root is no Merkle tree at all.
  const ab = nodeHash(leaves[0], leaves[1]);
  const first = nodeHash(ab, leaves[2]);
  const seed = Uint8Array.from([...ab, ...leaves[2]]);
  const c1 = leafHash(utf8('c1'));
  const empty = new Uint8Array(0);
  const second = nodeHash(empty, nodeHash(seed, c1));
  assert.throws(() => verifyConsistency(3, 4, first, second, [seed, c1, empty]), /not 32 bytes/);
  assert.throws(() => verifyConsistency(2, 2, first.subarray(1), first.subarray(1), []), /not 32 bytes/);
});
