// Which progress reports of a project still wait for the director's review (进度审核), read
// from the project's on-chain history: the rules record `report_progress` with the summary
// `report "<id>" claims 40.00 %` and `review_progress` with `report "<id>" (<pct>) accepted|rejected…`
// (contracts/src/engine/progress.rs). A report is pending while no review names its id.
import type { HistoryEntry } from '../../components/records';

export interface PendingReport {
  /** The report's id, what `review_progress.report` names. */
  id: string;
  /** The claimed progress in basis points (the summary's "40.00 %" is 4000). */
  claimed_bp: number;
  time_ms: number;
  tx: string;
}

const REPORTED = /^report "((?:[^"\\]|\\.)+)" claims (\d+(?:\.\d+)?)\s*%/;
const REVIEWED = /^report "((?:[^"\\]|\\.)+)" /;

/** Unreviewed reports, oldest first. */
export function pendingReports(history: HistoryEntry[]): PendingReport[] {
  const reviewed = new Set<string>();
  for (const h of history) {
    const m = h.action === 'review_progress' ? REVIEWED.exec(h.summary) : null;
    if (m) reviewed.add(m[1]);
  }
  const pending: PendingReport[] = [];
  for (const h of history) {
    const m = h.action === 'report_progress' ? REPORTED.exec(h.summary) : null;
    if (m && !reviewed.has(m[1])) pending.push({ id: m[1], claimed_bp: Math.round(Number(m[2]) * 100), time_ms: h.time_ms, tx: h.tx });
  }
  return pending.sort((a, b) => a.time_ms - b.time_ms);
}
