// ECharts options for the dashboard cards, as pure functions of the normalized data and the
// labels (no echarts import here, so they are unit-testable and cost nothing in tests). Colours
// pass WCAG contrast on white; every chart also has a table of its numbers beside it.
import { alertEntries, bpToPct, healthBand, quarterLabel, stageEntries, type Dashboard } from './data';

/** What a chart option is, for our purposes: plain JSON-like data. */
export type ChartOption = Record<string, unknown>;

export interface ChartWords {
  lang: 'zh' | 'en';
  stage: (s: string) => string;
  alert: (k: string) => string;
  t: (key: string) => string;
}

/** Palette (dark enough for text on white and distinguishable in greyscale order). */
export const COLORS = ['#1f5fa8', '#c2410c', '#15803d', '#7c3aed', '#b91c1c', '#0e7490', '#a16207', '#be185d', '#4d7c0f', '#475569'];
const BAND_COLORS = { good: '#15803d', fair: '#a16207', poor: '#b91c1c', none: '#94a3b8' };

const pctAxis = { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } };
const tooltipAxis = { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => (v == null ? '—' : `${v}%`) };

function grid(left = 8): Record<string, unknown> {
  return { left, right: 16, top: 28, bottom: 8, containLabel: true };
}

/** Pie of projects by stage (lifecycle order). */
export function stageOption(d: Dashboard, w: ChartWords, order: readonly string[]): ChartOption {
  const data = stageEntries(d.projects.by_stage, order).map(([st, c]) => ({ name: w.stage(st), value: c }));
  return {
    color: COLORS,
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { type: 'scroll', bottom: 0 },
    series: [{ type: 'pie', radius: ['38%', '68%'], center: ['50%', '44%'], data, label: { formatter: '{b}\n{c}' }, avoidLabelOverlap: true }],
  };
}

/** Horizontal bars of an execution rate (disbursed / budget) per row. */
export function executionOption(rows: { label: string; execution_bp: number }[], w: ChartWords): ChartOption {
  return {
    color: [COLORS[0]],
    tooltip: tooltipAxis,
    grid: grid(),
    xAxis: pctAxis,
    yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.label), axisLabel: { width: 96, overflow: 'truncate' } },
    series: [
      {
        type: 'bar',
        name: w.t('execution'),
        data: rows.map((r) => bpToPct(r.execution_bp)),
        label: { show: true, position: 'right', formatter: '{c}%' },
        barMaxWidth: 22,
      },
    ],
  };
}

/** Bars of on-time completion per department. */
export function onTimeOption(d: Dashboard, w: ChartWords): ChartOption {
  const rows = d.departments.filter((x) => x.completed > 0);
  return {
    color: [COLORS[2]],
    tooltip: tooltipAxis,
    grid: grid(),
    xAxis: pctAxis,
    yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.name), axisLabel: { width: 96, overflow: 'truncate' } },
    series: [
      { type: 'bar', name: w.t('on_time'), data: rows.map((r) => bpToPct(r.on_time_bp)), label: { show: true, position: 'right', formatter: '{c}%' }, barMaxWidth: 22 },
    ],
  };
}

/** Rectifications: open, overdue, submitted, closed. */
export function rectificationOption(d: Dashboard, w: ChartWords): ChartOption {
  const r = d.rectifications;
  const items: [string, number, string][] = [
    [w.t('rect_open'), r.open, COLORS[0]],
    [w.t('rect_overdue'), r.overdue, '#b91c1c'],
    [w.t('rect_submitted'), r.submitted, '#a16207'],
    [w.t('rect_closed'), r.closed, '#15803d'],
  ];
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: grid(),
    xAxis: { type: 'category', data: items.map((i) => i[0]) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', data: items.map(([, value, color]) => ({ value, itemStyle: { color } })), label: { show: true, position: 'top' }, barMaxWidth: 36 }],
  };
}

/** Alerts by kind, most frequent first. */
export function alertsOption(d: Dashboard, w: ChartWords): ChartOption {
  const entries = alertEntries(d.alerts_by_kind);
  return {
    color: ['#c2410c'],
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: grid(),
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: entries.map(([k]) => w.alert(k)), axisLabel: { width: 120, overflow: 'truncate' } },
    series: [{ type: 'bar', data: entries.map(([, c]) => c), label: { show: true, position: 'right' }, barMaxWidth: 22 }],
  };
}

/** Departments ranked by average health this quarter (best on top), coloured by band. */
export function rankingOption(d: Dashboard, w: ChartWords): ChartOption {
  const rows = d.ranking;
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: grid(),
    xAxis: { type: 'value', min: 0, max: 100 },
    yAxis: { type: 'category', inverse: true, data: rows.map((r) => `${r.rank}. ${r.name}`), axisLabel: { width: 110, overflow: 'truncate' } },
    series: [
      {
        type: 'bar',
        name: w.t('health'),
        data: rows.map((r) => ({ value: bpToPct(r.health_avg_bp), itemStyle: { color: BAND_COLORS[healthBand(r.health_avg_bp)] } })),
        label: { show: true, position: 'right', formatter: '{c}' },
        barMaxWidth: 22,
      },
    ],
  };
}

/** Quarter trend: average health (line, left axis %) and how many projects were scored (bars). */
export function trendOption(d: Dashboard, w: ChartWords): ChartOption {
  return {
    color: [COLORS[0], COLORS[1]],
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: d.quarters.map((q) => quarterLabel(q.quarter, w.lang)) },
    yAxis: [
      { type: 'value', min: 0, max: 100, name: w.t('health_axis') },
      { type: 'value', name: w.t('scored_axis'), minInterval: 1, splitLine: { show: false } },
    ],
    series: [
      { type: 'line', name: w.t('health'), data: d.quarters.map((q) => bpToPct(q.health_avg_bp)), yAxisIndex: 0, connectNulls: false, symbolSize: 8 },
      { type: 'bar', name: w.t('scored'), data: d.quarters.map((q) => q.projects_scored), yAxisIndex: 1, barMaxWidth: 28 },
    ],
  };
}
