// 进度审核 on the project page: the owning department's director accepts or rejects each
// progress report still waiting (the rules allow only them: contracts/src/engine/perm.rs), with
// a note, from a confirmation dialog. Accepting raises the accepted progress, which is what
// disbursements are judged by.
import { makeT } from '../../i18n';
import type { Session } from '../../session';
import { Decision } from '../../components/Decision';
import { When } from '../../components/ui';
import { bpText } from '../../components/format';
import { useAsync } from '../../components/useAsync';
import { collect, qs, type HistoryEntry, type Page, type ProjectView } from '../../components/records';
import { get } from '../../chain';
import { pendingReports, type PendingReport } from './review';

const t = makeT({
  zh: {
    title: '进度审核',
    hint: '以下进度报告等待本部门局长审核；通过后“已验收进度”随之提高，拨付按已验收进度控制。',
    line: '报告 {id} · 填报 {pct}',
    accept: '通过',
    reject: '退回',
    accept_title: '通过这份进度报告？',
    reject_title: '退回这份进度报告？',
    body: '报告 {id} 填报进度 {pct}。',
    note: '审核意见（可选）',
    reason: '退回理由',
    accepted: '✔ 已通过（已上链），已验收进度更新为 {pct}',
    rejected: '✔ 已退回（已上链）',
  },
  en: {
    title: 'Progress review',
    hint: "These progress reports wait for the department director's review; accepting one raises the accepted progress, which limits disbursements.",
    line: 'Report {id} · claims {pct}',
    accept: 'Accept',
    reject: 'Reject',
    accept_title: 'Accept this progress report?',
    reject_title: 'Reject this progress report?',
    body: 'Report {id} claims {pct} progress.',
    note: 'Review note (optional)',
    reason: 'Reason for rejecting',
    accepted: '✔ Accepted (on the ledger); accepted progress is now {pct}',
    rejected: '✔ Rejected (on the ledger)',
  },
});

/** Whether `session`'s member reviews this project's progress (its department's director). */
export function reviewsProgress(session: Session, view: ProjectView): boolean {
  const me = session.me;
  return me.role === 'director' && me.department === view.project.owner_department && view.project.stage === 'in_progress';
}

function ReportRow({ report, session, onDone }: { report: PendingReport; session: Session; onDone: () => void }) {
  const pct = bpText(report.claimed_bp);
  return (
    <li class="review-row">
      <div>
        <strong>{t('line', { id: report.id, pct })}</strong> · <When ms={report.time_ms} time />
      </div>
      <Decision
        session={session}
        words={{ yes: t('accept'), no: t('reject'), yesTitle: t('accept_title'), noTitle: t('reject_title'), note: t('note'), reason: t('reason') }}
        operation={(accepted, note) => ({ review_progress: { report: report.id, accepted, note } })}
        appliedText={(accepted) => (accepted ? t('accepted', { pct }) : t('rejected'))}
        onDone={onDone}
      >
        <p>{t('body', { id: report.id, pct })}</p>
      </Decision>
    </li>
  );
}

/** The card, or nothing when no report waits (the history past the view's first page is read too). */
export function ReviewCard({ session, view, onDone }: { session: Session; view: ProjectView; onDone: () => void }) {
  const first = view.history;
  const rest = useAsync(
    () =>
      first.next
        ? collect((after) => get<Page<HistoryEntry>>(session, `/v1/projects/${encodeURIComponent(view.project.id)}/history${qs({ after: after ?? first.next, limit: 100 })}`))
        : Promise.resolve([] as HistoryEntry[]),
    [view.project.id, first.next],
  );
  const pending = pendingReports([...first.items, ...(rest.data ?? [])]);
  if (pending.length === 0) return null;
  return (
    <section class="card stack review-card" aria-labelledby="p-review" id="review">
      <h2 id="p-review">{t('title')}</h2>
      <p class="muted">{t('hint')}</p>
      <ul class="plain stack">
        {pending.map((r) => (
          <ReportRow key={r.id} report={r} session={session} onDone={onDone} />
        ))}
      </ul>
    </section>
  );
}
