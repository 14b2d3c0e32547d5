// Unit tests of the Gantt layout: Beijing-time axis ticks at each zoom, bars for plan, change
// order shift and progress, status colours (overdue red, behind plan yellow) and the today line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  expectedBp,
  floorTo,
  layoutGantt,
  nextTick,
  sortForGantt,
  statusOf,
  tickLabel,
  type GanttProject,
} from '../src/app/pages/gantt/layout';

/** 00:00 Beijing on y-m-d. */
const bj = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) - 8 * 3_600_000;
const DAY = 86_400_000;

const base: GanttProject = {
  id: 'SC-2026-001',
  name: '智慧信号灯',
  stage: 'in_progress',
  planned_start_ms: bj(2026, 1, 1),
  planned_end_ms: bj(2026, 12, 31),
  original_planned_end_ms: bj(2026, 12, 31),
  accepted_progress_bp: 5000,
  reported_progress_bp: 6000,
};

test('ticks fall on Beijing midnights, Mondays and month starts', () => {
  // 2026-07-01 05:00 Beijing is still 2026-06-30 in UTC
  const t = bj(2026, 7, 1) + 5 * 3_600_000;
  assert.equal(floorTo(t, 'day'), bj(2026, 7, 1));
  assert.equal(floorTo(t, 'month'), bj(2026, 7, 1));
  assert.equal(floorTo(t, 'week'), bj(2026, 6, 29)); // a Monday
  assert.equal(nextTick(bj(2026, 12, 1), 'month'), bj(2027, 1, 1));
  assert.equal(nextTick(bj(2026, 6, 29), 'week'), bj(2026, 7, 6));
  assert.equal(tickLabel({ x: 0, ms: bj(2027, 1, 1), major: true }, 'month', 'zh'), '2027年1月');
  assert.equal(tickLabel({ x: 0, ms: bj(2026, 7, 1), major: true }, 'month', 'en'), 'Jul');
  assert.equal(tickLabel({ x: 0, ms: bj(2026, 7, 6), major: false }, 'week', 'zh'), '7/6');
});

test('bars: plan to the original end, extension hatched, progress accepted then reported', () => {
  const now = bj(2026, 7, 1);
  const p = { ...base, planned_end_ms: bj(2027, 1, 30) }; // a change order added 30 days
  const l = layoutGantt([p], 'day', now);
  assert.equal(l.pxPerDay, 28);
  const row = l.rows[0];
  const x = (ms: number) => ((ms - l.startMs) / DAY) * 28;
  assert.ok(row.planned);
  assert.equal(row.planned.x, x(bj(2026, 1, 1)));
  assert.equal(row.planned.x + row.planned.width, x(bj(2026, 12, 31)));
  assert.ok(row.extension);
  assert.equal(row.extension.x, x(bj(2026, 12, 31)));
  assert.equal(row.extension.width, 30 * 28);
  assert.equal(row.reduction, null);
  const full = x(bj(2027, 1, 30)) - x(bj(2026, 1, 1));
  assert.ok(row.accepted && row.reported);
  assert.ok(Math.abs(row.accepted.width - full / 2) < 0.01);
  assert.ok(Math.abs(row.reported.width - full / 10) < 0.01);
  assert.equal(l.todayX, x(now));
  assert.equal(l.height, l.header + l.rowHeight);
  assert.ok(l.width >= x(bj(2027, 1, 30)));
  assert.ok(l.ticks.every((t) => (t.ms + 8 * 3_600_000) % DAY === 0));
});

test('a schedule pulled earlier shows the reduction; undated rows have no bars', () => {
  const p = { ...base, planned_end_ms: bj(2026, 12, 1) };
  const [row, undated] = layoutGantt([p, { id: 'X', name: 'x', stage: 'proposed' }], 'month', bj(2026, 3, 1)).rows;
  assert.ok(row.reduction && !row.extension);
  assert.equal(undated.planned, null);
  assert.equal(undated.status, 'undated');
});

test('status: red when overdue, yellow when > 20 points behind the linear plan', () => {
  const mid = bj(2026, 7, 2); // about half way
  assert.ok(Math.abs(expectedBp(base.planned_start_ms!, base.planned_end_ms!, mid) - 5000) < 100);
  assert.equal(statusOf({ ...base, accepted_progress_bp: 4000 }, mid), 'on_track');
  assert.equal(statusOf({ ...base, accepted_progress_bp: 2500 }, mid), 'behind');
  assert.equal(statusOf(base, bj(2027, 1, 2)), 'overdue');
  assert.equal(statusOf({ ...base, stage: 'acceptance_requested' }, bj(2027, 1, 2)), 'overdue');
  assert.equal(statusOf({ ...base, stage: 'accepted' }, bj(2027, 1, 2)), 'done');
  assert.equal(statusOf({ ...base, stage: 'cancelled' }, bj(2027, 1, 2)), 'stopped');
  assert.equal(statusOf({ ...base, stage: 'contracted', accepted_progress_bp: 0 }, bj(2025, 12, 1)), 'not_started');
});

test('zoom changes the scale; today outside the range has no line; rows sort by start', () => {
  const now = bj(2026, 3, 1);
  const day = layoutGantt([base], 'day', now);
  const week = layoutGantt([base], 'week', now);
  const month = layoutGantt([base], 'month', now);
  assert.ok(day.width > week.width && week.width > month.width);
  assert.equal(month.ticks.filter((t) => t.major).length >= 1, true);
  assert.ok(week.ticks.every((t) => new Date(t.ms + 8 * 3_600_000).getUTCDay() === 1));
  const later = { ...base, id: 'B', planned_start_ms: bj(2026, 2, 1) };
  const undated = { id: 'A', name: 'a', stage: 'proposed' };
  assert.deepEqual(sortForGantt([undated, later, base]).map((p) => p.id), ['SC-2026-001', 'B', 'A']);
  assert.equal(layoutGantt([], 'day', now).todayX !== null, true);
});

test('names are cut to the column width, CJK counting a full em', async () => {
  const { shortName, textWidth, pngScale } = await import('../src/app/pages/gantt/exportPng');
  assert.equal(textWidth('智慧', 12), 24);
  assert.equal(shortName('短名', 100, 12), '短名');
  const cut = shortName('新华区智慧交通信号灯自适应控制改造工程一期', 120, 12);
  assert.ok(cut.endsWith('…'));
  assert.ok(textWidth(cut, 12) <= 120);
  assert.equal(pngScale(1000, 500), 2);
  assert.ok(pngScale(40_000, 800) * 40_000 <= 16_000);
});
