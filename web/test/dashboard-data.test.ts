// Unit tests of the dashboard's data mapping: missing keys default safely, rates are derived
// when absent, stages keep lifecycle order, the ranking falls back to department health, and
// the chart options carry the numbers in percent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertEntries, normalizeDashboard, quarterLabel, ratioBp, riskLevelOf, stageEntries, totals } from '../src/app/pages/dashboard/data';
import { executionOption, rankingOption, stageOption, trendOption, type ChartWords } from '../src/app/pages/dashboard/charts';

const SAMPLE = {
  height: 1204,
  as_of_ms: 1_790_000_000_000,
  projects: { total: 5, by_stage: { in_progress: 3, proposed: 1, closed: 1 } },
  departments: [
    { id: 'transport', name: '交通运输局', projects: 3, budget_fen: 1_000_000_00, committed_fen: 80_000_000, disbursed_fen: 25_000_000, execution_bp: 2500, completed: 2, completed_on_time: 1, on_time_bp: 5000, health_avg_bp: 7200 },
    { id: 'ecology', name: '生态环境局', projects: 2, budget_fen: 50_000_000, disbursed_fen: 50_000_000, completed: 0, health_avg_bp: 9100 },
  ],
  programmes: [{ id: 'SC-2026', projects: 4, budget_fen: 200, disbursed_fen: 50 }],
  rectifications: { open: 4, overdue: 1, submitted: 2 },
  alerts_by_kind: { budget_use_80: 2, rectification_overdue: 5, milestone_overdue: 0 },
  quarters: [
    { quarter: '2026Q3', health_avg_bp: 8000, projects_scored: 17 },
    { quarter: '2026Q2', health_avg_bp: null, projects_scored: 0 },
  ],
};

const words: ChartWords = { lang: 'zh', stage: (s) => `S:${s}`, alert: (k) => `A:${k}`, t: (k) => k };

test('missing keys and garbage become zeros and empty lists', () => {
  const d = normalizeDashboard({ projects: { by_stage: { proposed: 2, closed: -1, x: 'no' } } });
  assert.equal(d.height, null);
  assert.equal(d.projects.total, 2);
  assert.deepEqual(d.departments, []);
  assert.deepEqual(d.rectifications, { open: 0, overdue: 0, submitted: 0, closed: 0 });
  assert.deepEqual(d.ranking, []);
  assert.deepEqual(normalizeDashboard(null).quarters, []);
  assert.deepEqual(normalizeDashboard('nonsense').alerts_by_kind, {});
});

test('rates are taken as sent, or derived exactly when missing', () => {
  const d = normalizeDashboard(SAMPLE);
  assert.equal(d.departments[0].execution_bp, 2500);
  assert.equal(d.departments[1].execution_bp, 10_000);
  assert.equal(d.departments[1].on_time_bp, 0);
  assert.equal(d.programmes[0].execution_bp, 2500);
  assert.equal(d.rectifications.closed, 0);
  assert.equal(ratioBp(1, 3), 3333);
  const tot = totals(d);
  assert.equal(tot.budget_fen, 150_000_000);
  assert.equal(tot.execution_bp, 5000);
  assert.equal(tot.on_time_bp, 5000);
});

test('stages in lifecycle order, alerts most frequent first, quarters in time order', () => {
  const d = normalizeDashboard(SAMPLE);
  assert.deepEqual(stageEntries(d.projects.by_stage, ['proposed', 'in_progress', 'closed']), [
    ['proposed', 1],
    ['in_progress', 3],
    ['closed', 1],
  ]);
  assert.deepEqual(stageEntries({ new_stage: 2 }, ['proposed']), [['new_stage', 2]]);
  assert.deepEqual(alertEntries(d.alerts_by_kind), [
    ['rectification_overdue', 5],
    ['budget_use_80', 2],
  ]);
  assert.deepEqual(d.quarters.map((q) => q.quarter), ['2026Q2', '2026Q3']);
  assert.equal(quarterLabel('2026Q3', 'zh'), '2026年第3季度');
  assert.equal(quarterLabel('2026Q3', 'en'), '2026 Q3');
});

test('without a ranking the departments are ranked by health', () => {
  const d = normalizeDashboard(SAMPLE);
  assert.deepEqual(d.ranking.map((r) => [r.rank, r.department]), [
    [1, 'ecology'],
    [2, 'transport'],
  ]);
  const sent = normalizeDashboard({ ...SAMPLE, ranking: [{ department: 'b', name: 'B', health_avg_bp: 5000, rank: 2 }, { department: 'a', name: 'A', health_avg_bp: 9000, rank: 1 }] });
  assert.deepEqual(sent.ranking.map((r) => r.department), ['a', 'b']);
});

test('chart options carry percentages and labels', () => {
  const d = normalizeDashboard(SAMPLE);
  const exec = executionOption([{ label: '交通运输局', execution_bp: 2550 }], words) as { series: { data: number[] }[] };
  assert.deepEqual(exec.series[0].data, [25.5]);
  const pie = stageOption(d, words, ['proposed', 'in_progress', 'closed']) as { series: { data: { name: string; value: number }[] }[] };
  assert.deepEqual(pie.series[0].data[0], { name: 'S:proposed', value: 1 });
  const rank = rankingOption(d, words) as { yAxis: { data: string[] } };
  assert.deepEqual(rank.yAxis.data, ['1. 生态环境局', '2. 交通运输局']);
  const trend = trendOption(d, words) as { series: { data: (number | null)[] }[] };
  assert.deepEqual(trend.series[0].data, [null, 80]);
  assert.deepEqual(trend.series[1].data, [0, 17]);
});

test('the risk ranking is read safely, highest first, with a level for every row', () => {
  const d = normalizeDashboard({
    risk_ranking: [
      { project: 'P-2', name: '二号', department: 'transport', probability_bp: 3000, level: 'medium', summary_zh: '延期风险 30%（中）' },
      { project: 'P-1', department: 'ecology', probability_bp: 12_000, level: 'severe' },
      { name: 'no id', probability_bp: 9000 },
      { project: 'P-3', probability_bp: 'x' },
    ],
    risk_model: { version: 'delay-risk-v1', sm3: 'ab' },
  });
  assert.deepEqual(
    d.risk_ranking.map((r) => [r.project, r.probability_bp, r.level, r.name]),
    [
      ['P-1', 10_000, 'high', 'P-1'],
      ['P-2', 3000, 'medium', '二号'],
      ['P-3', 0, 'low', 'P-3'],
    ],
  );
  assert.deepEqual(d.risk_model, { version: 'delay-risk-v1', sm3: 'ab' });
  assert.equal(normalizeDashboard({}).risk_model, null);
  assert.deepEqual([riskLevelOf(2499), riskLevelOf(2500), riskLevelOf(5000)], ['low', 'medium', 'high']);
});
