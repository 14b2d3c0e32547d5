// Gantt chart geometry, as a pure function of the projects, the zoom and "now": the time axis
// (Beijing calendar days, weeks from Monday, months), one row per project with its planned bar,
// its change-order shift, its accepted and reported progress and a status colour, and the today
// line. The component only draws what this returns; every rule here is unit-tested.

export type Zoom = 'day' | 'week' | 'month';

/** What the chart needs of a project (GET /v1/projects items). */
export interface GanttProject {
  id: string;
  name: string;
  stage: string;
  owner_department?: string;
  programme?: string | null;
  planned_start_ms?: number | null;
  planned_end_ms?: number | null;
  original_planned_end_ms?: number | null;
  accepted_progress_bp?: number | null;
  reported_progress_bp?: number | null;
}

/** red: planned end passed and not accepted; yellow: > 20 points behind the linear plan. */
export type GanttStatus = 'overdue' | 'behind' | 'on_track' | 'not_started' | 'done' | 'stopped' | 'undated';

export interface Span {
  x: number;
  width: number;
}

export interface GanttRow {
  project: GanttProject;
  y: number;
  status: GanttStatus;
  /** Planned start → original planned end. */
  planned: Span | null;
  /** The change-order extension (original end → current end), when the schedule moved later. */
  extension: Span | null;
  /** The change-order reduction (current end → original end), when it moved earlier. */
  reduction: Span | null;
  /** Accepted progress, from the start, as a share of start → current end. */
  accepted: Span | null;
  /** Reported but not yet accepted progress (after `accepted`). */
  reported: Span | null;
  /** Progress the linear plan expects by now, in basis points (0 when not started). */
  expected_bp: number;
}

export interface Tick {
  x: number;
  ms: number;
  /** A month start (day and week zooms) or a year start (month zoom): drawn stronger, labelled with the month. */
  major: boolean;
}

export interface GanttLayout {
  width: number;
  height: number;
  header: number;
  rowHeight: number;
  startMs: number;
  endMs: number;
  pxPerDay: number;
  ticks: Tick[];
  rows: GanttRow[];
  /** null when today is outside the range. */
  todayX: number | null;
}

export const DAY_MS = 86_400_000;
const BEIJING = 8 * 3_600_000;
/** Pixels per day at each zoom. */
export const PX_PER_DAY: Record<Zoom, number> = { day: 28, week: 8, month: 2 };
export const ROW_HEIGHT = 36;
export const HEADER_HEIGHT = 44;
/** How far behind the linear plan (basis points) turns a row yellow. */
export const BEHIND_BP = 2000;
const FINISHED = new Set(['accepted', 'evaluated', 'closed']);
const STOPPED = new Set(['cancelled', 'suspended']);
const NOT_STARTED = new Set(['proposed', 'approved', 'budgeted', 'procurement', 'contracted']);

/** Beijing calendar fields of `ms`. */
export function beijingParts(ms: number): { y: number; m: number; d: number; dow: number } {
  const t = new Date(ms + BEIJING);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate(), dow: t.getUTCDay() };
}

/** ms of 00:00 Beijing on y-m-d (month may overflow; Date.UTC normalises). */
function beijingMidnight(y: number, m: number, d: number): number {
  return Date.UTC(y, m - 1, d) - BEIJING;
}

/** 00:00 Beijing of the day (zoom day), the Monday (week) or the 1st (month) at or before `ms`. */
export function floorTo(ms: number, zoom: Zoom): number {
  const p = beijingParts(ms);
  if (zoom === 'month') return beijingMidnight(p.y, p.m, 1);
  if (zoom === 'week') return beijingMidnight(p.y, p.m, p.d - ((p.dow + 6) % 7));
  return beijingMidnight(p.y, p.m, p.d);
}

/** The next tick after `ms` (which is on a tick boundary). */
export function nextTick(ms: number, zoom: Zoom): number {
  const p = beijingParts(ms);
  if (zoom === 'month') return beijingMidnight(p.y, p.m + 1, 1);
  return beijingMidnight(p.y, p.m, p.d + (zoom === 'week' ? 7 : 1));
}

function isDate(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

/** The time range to draw: every dated project and today, padded to whole ticks. */
export function timeRange(projects: GanttProject[], zoom: Zoom, now: number): { start: number; end: number } {
  let lo = now;
  let hi = now;
  for (const p of projects) {
    for (const v of [p.planned_start_ms, p.planned_end_ms, p.original_planned_end_ms]) {
      if (isDate(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  const pad = zoom === 'month' ? 31 * DAY_MS : zoom === 'week' ? 7 * DAY_MS : 2 * DAY_MS;
  const start = floorTo(lo - pad, zoom);
  let end = floorTo(hi + pad, zoom);
  if (end <= hi) end = nextTick(end, zoom);
  return { start, end };
}

/** Progress the linear plan expects at `now` (basis points, 0..10000). */
export function expectedBp(start: number, end: number, now: number): number {
  if (now <= start) return 0;
  if (now >= end || end <= start) return 10_000;
  return Math.round(((now - start) / (end - start)) * 10_000);
}

/** The row colour: red overdue, yellow behind the linear plan by more than 20 points, else green. */
export function statusOf(p: GanttProject, now: number): GanttStatus {
  if (FINISHED.has(p.stage)) return 'done';
  if (STOPPED.has(p.stage)) return 'stopped';
  const start = p.planned_start_ms;
  const end = isDate(p.planned_end_ms) ? p.planned_end_ms : p.original_planned_end_ms;
  if (!isDate(start) || !isDate(end)) return 'undated';
  if (now > end) return 'overdue';
  const accepted = p.accepted_progress_bp ?? 0;
  if (expectedBp(start, end, now) - accepted > BEHIND_BP) return 'behind';
  if (now < start || NOT_STARTED.has(p.stage)) return 'not_started';
  return 'on_track';
}

function span(x0: number, x1: number): Span | null {
  return x1 > x0 ? { x: x0, width: x1 - x0 } : null;
}

function clampBp(v: number | null | undefined): number {
  return Math.max(0, Math.min(10_000, v ?? 0));
}

/** Lays out one row: bars in pixels from the range start. */
export function layoutRow(p: GanttProject, y: number, x: (ms: number) => number, now: number): GanttRow {
  const base: GanttRow = {
    project: p,
    y,
    status: statusOf(p, now),
    planned: null,
    extension: null,
    reduction: null,
    accepted: null,
    reported: null,
    expected_bp: 0,
  };
  const start = p.planned_start_ms;
  const current = isDate(p.planned_end_ms) ? p.planned_end_ms : p.original_planned_end_ms;
  const original = isDate(p.original_planned_end_ms) ? p.original_planned_end_ms : current;
  if (!isDate(start) || !isDate(current) || !isDate(original)) return base;
  const x0 = x(start);
  const xEnd = x(current);
  const xOrig = x(original);
  const full = Math.max(0, xEnd - x0);
  const acceptedBp = clampBp(p.accepted_progress_bp);
  const reportedBp = Math.max(acceptedBp, clampBp(p.reported_progress_bp));
  const xAccepted = x0 + (full * acceptedBp) / 10_000;
  const xReported = x0 + (full * reportedBp) / 10_000;
  return {
    ...base,
    planned: span(x0, Math.max(xOrig, x0 + 1)),
    extension: current > original ? span(xOrig, xEnd) : null,
    reduction: current < original ? span(xEnd, xOrig) : null,
    accepted: span(x0, xAccepted),
    reported: span(xAccepted, xReported),
    expected_bp: expectedBp(start, current, now),
  };
}

/** The whole chart: axis, rows in the given order, today line. */
export function layoutGantt(projects: GanttProject[], zoom: Zoom, now: number): GanttLayout {
  const { start, end } = timeRange(projects, zoom, now);
  const pxPerDay = PX_PER_DAY[zoom];
  const x = (ms: number) => Math.round(((ms - start) / DAY_MS) * pxPerDay * 10) / 10;
  const ticks: Tick[] = [];
  for (let t = start; t <= end && ticks.length < 5000; t = nextTick(t, zoom)) {
    const p = beijingParts(t);
    ticks.push({ x: x(t), ms: t, major: zoom === 'month' ? p.m === 1 : p.d <= (zoom === 'week' ? 7 : 1) });
  }
  const rows = projects.map((p, i) => layoutRow(p, HEADER_HEIGHT + i * ROW_HEIGHT, x, now));
  const width = x(end);
  return {
    width,
    height: HEADER_HEIGHT + projects.length * ROW_HEIGHT,
    header: HEADER_HEIGHT,
    rowHeight: ROW_HEIGHT,
    startMs: start,
    endMs: end,
    pxPerDay,
    ticks,
    rows,
    todayX: now >= start && now <= end ? x(now) : null,
  };
}

/** The label under a tick: "7/6" (day, week), "7月" / "Jul" (month), with the year on majors. */
export function tickLabel(tick: Tick, zoom: Zoom, lang: 'zh' | 'en'): string {
  const p = beijingParts(tick.ms);
  if (zoom === 'month') {
    if (lang === 'zh') return p.m === 1 ? `${p.y}年1月` : `${p.m}月`;
    const name = MONTHS_EN[p.m - 1];
    return p.m === 1 ? `${name} ${p.y}` : name;
  }
  return `${p.m}/${p.d}`;
}

/** The month caption above a major tick (day and week zooms): "2026年7月" / "Jul 2026". */
export function monthCaption(ms: number, lang: 'zh' | 'en'): string {
  const p = beijingParts(ms);
  return lang === 'zh' ? `${p.y}年${p.m}月` : `${MONTHS_EN[p.m - 1]} ${p.y}`;
}

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Projects ordered for the chart: by planned start, undated last, then by id. */
export function sortForGantt(projects: GanttProject[]): GanttProject[] {
  return [...projects].sort((a, b) => {
    const sa = isDate(a.planned_start_ms) ? a.planned_start_ms : Number.MAX_SAFE_INTEGER;
    const sb = isDate(b.planned_start_ms) ? b.planned_start_ms : Number.MAX_SAFE_INTEGER;
    return sa - sb || a.id.localeCompare(b.id);
  });
}
