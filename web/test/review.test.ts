// Unit tests of reading pending progress reports from a project's history (the director's
// 进度审核 card): summaries exactly as the rules write them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pendingReports } from '../src/app/pages/projects/review';
import type { HistoryEntry } from '../src/app/components/records';

function entry(action: string, summary: string, time_ms: number): HistoryEntry {
  return { action, summary, time_ms, actor: 'aa', height: time_ms, request: null, tx: `tx${time_ms}` };
}

test('a report is pending until a review names it', () => {
  const history = [
    entry('report_progress', 'report "SC-2026-008-P1" claims 25.00 %', 1),
    entry('review_progress', 'report "SC-2026-008-P1" (25.00 %) accepted; accepted progress 25.00 %', 2),
    entry('report_progress', 'report "SC-2026-008-P2" claims 40.50 %', 3),
    entry('start_project', 'report "not a report" claims 99.00 %', 4),
  ];
  assert.deepEqual(pendingReports(history), [{ id: 'SC-2026-008-P2', claimed_bp: 4050, time_ms: 3, tx: 'tx3' }]);
});

test('a rejected report is reviewed too, and nothing pending gives an empty list', () => {
  const history = [
    entry('report_progress', 'report "R-1" claims 60.00 %', 1),
    entry('review_progress', 'report "R-1" (60.00 %) rejected; accepted progress 45.00 %', 2),
  ];
  assert.deepEqual(pendingReports(history), []);
  assert.deepEqual(pendingReports([]), []);
});
