// GET /v1/dashboard read into a complete, safe shape (every missing key defaulted, numbers
// checked), and the figures the cards show: projects by stage in lifecycle order, execution
// rates (执行率 = disbursed / budget), on-time rates, rectifications, alerts, the quarterly
// health ranking (单位考核) and the quarter trend. Pure and unit-tested; charts.ts turns these
// into ECharts options.

export interface DeptRow {
  id: string;
  name: string;
  projects: number;
  budget_fen: number;
  committed_fen: number;
  disbursed_fen: number;
  execution_bp: number;
  completed: number;
  completed_on_time: number;
  on_time_bp: number;
  health_avg_bp: number | null;
}

export interface ProgrammeRow {
  id: string;
  projects: number;
  budget_fen: number;
  disbursed_fen: number;
  execution_bp: number;
}

export interface QuarterRow {
  quarter: string;
  health_avg_bp: number | null;
  /** Projects with a health score in that quarter (the average's sample size). */
  projects_scored: number;
}

export interface RankRow {
  department: string;
  name: string;
  health_avg_bp: number | null;
  rank: number;
}

export type RiskLevel = 'low' | 'medium' | 'high';

/** A project of the 高风险项目 ranking (delay-risk model, gongxin-risk). */
export interface RiskRow {
  project: string;
  name: string;
  department: string;
  probability_bp: number;
  level: RiskLevel;
  summary_zh: string;
  summary_en: string;
}

export interface Dashboard {
  height: number | null;
  as_of_ms: number | null;
  projects: { total: number; by_stage: Record<string, number> };
  departments: DeptRow[];
  programmes: ProgrammeRow[];
  rectifications: { open: number; overdue: number; submitted: number; closed: number };
  alerts_by_kind: Record<string, number>;
  quarters: QuarterRow[];
  ranking: RankRow[];
  risk_ranking: RiskRow[];
  risk_model: { version: string; sm3: string } | null;
}

type Raw = Record<string, unknown>;

function obj(v: unknown): Raw {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {};
}

function arr(v: unknown): Raw[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

/** A non-negative finite number, else `fallback`. */
function n(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
}

function nOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function s(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}

/** Basis points of part/whole (0 when whole is 0), rounded. */
export function ratioBp(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 10_000) : 0;
}

function counts(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, c] of Object.entries(obj(v))) out[k] = n(c);
  return out;
}

function dept(r: Raw): DeptRow {
  const budget = n(r.budget_fen);
  const disbursed = n(r.disbursed_fen);
  const completed = n(r.completed);
  const onTime = n(r.completed_on_time);
  const id = s(r.id);
  return {
    id,
    name: s(r.name, id),
    projects: n(r.projects),
    budget_fen: budget,
    committed_fen: n(r.committed_fen),
    disbursed_fen: disbursed,
    execution_bp: n(r.execution_bp, ratioBp(disbursed, budget)),
    completed,
    completed_on_time: onTime,
    on_time_bp: n(r.on_time_bp, ratioBp(onTime, completed)),
    health_avg_bp: nOrNull(r.health_avg_bp),
  };
}

function programme(r: Raw): ProgrammeRow {
  const budget = n(r.budget_fen);
  const disbursed = n(r.disbursed_fen);
  return {
    id: s(r.id, '—'),
    projects: n(r.projects),
    budget_fen: budget,
    disbursed_fen: disbursed,
    execution_bp: n(r.execution_bp, ratioBp(disbursed, budget)),
  };
}

/** The ranking as sent, or derived from the departments' health (best first) when absent. */
function ranking(raw: Raw[], departments: DeptRow[]): RankRow[] {
  if (raw.length > 0) {
    return raw
      .map((r, i) => ({
        department: s(r.department),
        name: s(r.name, s(r.department)),
        health_avg_bp: nOrNull(r.health_avg_bp),
        rank: n(r.rank, i + 1),
      }))
      .sort((a, b) => a.rank - b.rank);
  }
  return departments
    .filter((d) => d.health_avg_bp !== null)
    .sort((a, b) => (b.health_avg_bp ?? 0) - (a.health_avg_bp ?? 0) || a.id.localeCompare(b.id))
    .map((d, i) => ({ department: d.id, name: d.name, health_avg_bp: d.health_avg_bp, rank: i + 1 }));
}

/** The level of a probability, as the node's thresholds say (≥ 50 % high, ≥ 25 % medium). */
export function riskLevelOf(bp: number): RiskLevel {
  if (bp >= 5000) return 'high';
  if (bp >= 2500) return 'medium';
  return 'low';
}

/** The ranking as sent (highest risk first), probabilities clamped to 0–10 000 bp. */
function riskRanking(raw: Raw[]): RiskRow[] {
  return raw
    .map((r) => {
      const bp = Math.min(n(r.probability_bp), 10_000);
      const level = r.level === 'low' || r.level === 'medium' || r.level === 'high' ? r.level : riskLevelOf(bp);
      return { project: s(r.project), name: s(r.name, s(r.project)), department: s(r.department), probability_bp: bp, level, summary_zh: s(r.summary_zh), summary_en: s(r.summary_en) };
    })
    .filter((r) => r.project !== '')
    .sort((a, b) => b.probability_bp - a.probability_bp || a.project.localeCompare(b.project));
}

/** Reads any JSON into a complete Dashboard (missing keys are zeros and empty lists). */
export function normalizeDashboard(input: unknown): Dashboard {
  const r = obj(input);
  const projects = obj(r.projects);
  const byStage = counts(projects.by_stage);
  const stageSum = Object.values(byStage).reduce((a, b) => a + b, 0);
  const departments = arr(r.departments).map(dept);
  const rect = obj(r.rectifications);
  return {
    height: nOrNull(r.height),
    as_of_ms: nOrNull(r.as_of_ms),
    projects: { total: n(projects.total, stageSum), by_stage: byStage },
    departments,
    programmes: arr(r.programmes).map(programme),
    rectifications: { open: n(rect.open), overdue: n(rect.overdue), submitted: n(rect.submitted), closed: n(rect.closed) },
    alerts_by_kind: counts(r.alerts_by_kind),
    quarters: arr(r.quarters)
      .map((q) => ({ quarter: s(q.quarter), health_avg_bp: nOrNull(q.health_avg_bp), projects_scored: n(q.projects_scored) }))
      .sort((a, b) => a.quarter.localeCompare(b.quarter)),
    ranking: ranking(arr(r.ranking), departments),
    risk_ranking: riskRanking(arr(r.risk_ranking)),
    risk_model: typeof obj(r.risk_model).version === 'string' ? { version: s(obj(r.risk_model).version), sm3: s(obj(r.risk_model).sm3) } : null,
  };
}

/** [stage, count] in lifecycle order (unknown stages after, zero counts dropped). */
export function stageEntries(byStage: Record<string, number>, order: readonly string[]): [string, number][] {
  const known = order.filter((st) => (byStage[st] ?? 0) > 0).map((st): [string, number] => [st, byStage[st]]);
  const extra = Object.entries(byStage).filter(([st, c]) => c > 0 && !order.includes(st));
  return [...known, ...extra];
}

/** [kind, count], most frequent first. */
export function alertEntries(byKind: Record<string, number>): [string, number][] {
  return Object.entries(byKind)
    .filter(([, c]) => c > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Totals over all departments: budget, disbursed, execution, completed on time. */
export function totals(d: Dashboard): { budget_fen: number; disbursed_fen: number; execution_bp: number; on_time_bp: number; completed: number } {
  const budget = d.departments.reduce((a, x) => a + x.budget_fen, 0);
  const disbursed = d.departments.reduce((a, x) => a + x.disbursed_fen, 0);
  const completed = d.departments.reduce((a, x) => a + x.completed, 0);
  const onTime = d.departments.reduce((a, x) => a + x.completed_on_time, 0);
  return { budget_fen: budget, disbursed_fen: disbursed, execution_bp: ratioBp(disbursed, budget), on_time_bp: ratioBp(onTime, completed), completed };
}

/** "2026Q3" → "2026年第3季度" / "2026 Q3". */
export function quarterLabel(q: string, lang: 'zh' | 'en'): string {
  const m = /^(\d{4})\s*-?Q([1-4])$/i.exec(q);
  if (!m) return q;
  return lang === 'zh' ? `${m[1]}年第${m[2]}季度` : `${m[1]} Q${m[2]}`;
}

/** Basis points → percent number with ≤ 2 decimals (for charts): 3750 → 37.5. */
export function bpToPct(bp: number | null): number | null {
  return bp === null ? null : Math.round(bp) / 100;
}

/** A health score's band, for the colour of a ranking bar: ≥ 80 good, ≥ 60 fair, else poor. */
export function healthBand(bp: number | null): 'good' | 'fair' | 'poor' | 'none' {
  if (bp === null) return 'none';
  if (bp >= 8000) return 'good';
  if (bp >= 6000) return 'fair';
  return 'poor';
}
