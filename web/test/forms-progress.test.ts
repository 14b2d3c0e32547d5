// Unit tests of the phone progress report's pure parts: the evidence hash of one or several
// photos, the note listing them, the report id and the operation's shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sm3 } from '../src/crypto/sm3';
import { concatBytes, fromHex, toHex, utf8 } from '../src/crypto/hex';
import { evidenceHash, evidenceNote, fullNote, progressOperation, reportId, startingBp } from '../src/app/pages/progress/evidence';

const a = { name: 'a.jpg', size: 1, hash: toHex(sm3(utf8('photo a'))) };
const b = { name: 'b.jpg', size: 1, hash: toHex(sm3(utf8('photo b'))) };

test('one photo is its own evidence; several hash their hashes in order', () => {
  assert.equal(evidenceHash([]), null);
  assert.equal(evidenceHash([a]), a.hash);
  const both = toHex(sm3(concatBytes(fromHex(a.hash), fromHex(b.hash))));
  assert.equal(evidenceHash([a, b]), both);
  assert.notEqual(evidenceHash([b, a]), both);
});

test('the note lists the photos so anyone can recompute the hash', () => {
  const note = evidenceNote([a, b], 'zh');
  assert.match(note, /佐证照片 2 张/);
  assert.ok(note.includes(`1. a.jpg SM3=${a.hash}`));
  assert.ok(note.includes(`2. b.jpg SM3=${b.hash}`));
  assert.equal(fullNote('  完成一半 ', [], 'zh'), '完成一半');
  const long = fullNote('字'.repeat(3000), [a, b], 'zh');
  assert.ok(new TextEncoder().encode(long).length <= 4096);
  assert.ok(long.endsWith(`2. b.jpg SM3=${b.hash}`));
});

test('report ids fit 64 characters and the operation matches ProgressReport', () => {
  const id = reportId('SC-2026-001', 1_790_000_000_000);
  assert.match(id, /^SC-2026-001-P[0-9A-Z]+$/);
  assert.ok(reportId('X'.repeat(64), Date.now()).length <= 64);
  assert.deepEqual(progressOperation(id, 'SC-2026-001', 5000, a.hash, 'n'), {
    report_progress: { id, project: 'SC-2026-001', percent_bp: 5000, milestone: null, evidence_hash: a.hash, note: 'n' },
  });
  assert.equal(startingBp({ accepted_progress_bp: 3000, reported_progress_bp: 4500 }), 4500);
  assert.equal(startingBp({}), 0);
});
