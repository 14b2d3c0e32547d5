// The operation log's chain recomputed in the browser (src/verify/accessLog.ts) against the
// Rust golden chain (core/tests/golden/access_log.json): every stored head equals the one
// recomputed here; anchors are met; an edited, deleted or reordered record, a moved anchor,
// an unanchored start or anchored records missing are each refused.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChainBreak, GENESIS_POINT, verifyChain, type ChainedRecord, type ChainPoint } from '../src/verify/accessLog';
import { goldenJson } from './support/golden';

const records = goldenJson<ChainedRecord[]>('access_log.json');
const point = (i: number): ChainPoint => ({ count: i + 1, head: records[i].head });

test('the golden chain recomputes head for head and meets its anchors', () => {
  assert.equal(records.length, 3);
  const report = verifyChain(GENESIS_POINT, records, [point(0), point(2), point(0)]);
  assert.deepEqual(report, { start: GENESIS_POINT, end: point(2), anchorsMatched: 2, lastAnchor: point(2), unanchored: 0 });
  const partly = verifyChain(GENESIS_POINT, records, [point(1)]);
  assert.equal(partly.unanchored, 1);
  // From an anchored point on (older records pruned by retention).
  assert.equal(verifyChain(point(0), records.slice(1), [point(0)]).anchorsMatched, 1);
});

test('every kind of tampering breaks the chain', () => {
  const edited = records.map((r, i) => (i === 1 ? { ...r, outcome: 'refused' } : r));
  assert.throws(() => verifyChain(GENESIS_POINT, edited, []), /does not produce the head/);
  assert.throws(() => verifyChain(GENESIS_POINT, [records[0], records[2]], []), /where record 1 should be/);
  assert.throws(() => verifyChain(GENESIS_POINT, [records[1], records[0], records[2]], []), ChainBreak);
  const moved = { count: 2, head: records[2].head };
  assert.throws(() => verifyChain(GENESIS_POINT, records, [moved]), /anchored/);
  assert.throws(() => verifyChain(point(0), records.slice(1), []), /no anchor confirms/);
  assert.throws(() => verifyChain(GENESIS_POINT, records.slice(0, 2), [point(2)]), /only 2 are present/);
});
