// 我的待办: approvals waiting for my department and role (approve / refuse with a confirmation;
// hidden from a specialist when none waits), progress reports waiting for the director's
// review, the reminders and alerts naming me or my department (acknowledged with one click, see
// AlertsSection), the rectification tasks I answer for with their red / yellow / green lights,
// and — for a department's director and section chiefs — its projects the delay-risk model
// rates high (高风险项目, GET /v1/risk?level=high), each with why.
import { deptKindLabel, makeT, opLabel, rectStatusLabel, roleLabel, useLang } from '../../i18n';
import { useSession, type Session, type WhoAmI } from '../../session';
import { get } from '../../chain';
import { useAsync } from '../../components/useAsync';
import { Decision } from '../../components/Decision';
import { Empty, ErrorState, Hex, LightBadge, Loading, Money, When } from '../../components/ui';
import { bpText } from '../../components/format';
import { collect, qs, type ProjectSummary, type Page, type RectificationRecord, type RequestRecord, type ResolvedRequirement } from '../../components/records';
import { light } from '../../components/light';
import { AlertsSection } from './AlertsSection';

const t = makeT({
  zh: {
    title: '我的待办',
    approvals: '待我审批',
    approvals_hint: '本部门待审批、且需要{role}签批的申请',
    rects: '我负责的整改任务',
    project: '项目',
    amount: '金额',
    requester: '申请人',
    since: '提交时间',
    policy: '适用规则',
    needs: '需要',
    req_line: '{dept} {role} × {count}（已签 {done}）',
    approve: '同意',
    refuse: '驳回',
    approve_title: '同意这项申请？',
    refuse_title: '驳回这项申请？',
    refuse_reason: '驳回理由',
    approve_note: '审批意见（可选）',
    approve_body: '{kind} · 项目 {project} · 金额',
    no_approvals: '没有等待您审批的申请。',
    reviews: '待审核进度',
    no_reviews: '没有等待审核的进度报告。',
    review_line: '{id} · 填报 {r}，已验收 {a} — 打开项目审核',
    approved_done: '✔ 已签批：审批已齐，申请已交由规则执行（结果见项目记录）',
    approved_more: '✔ 已签批（已上链）；该申请还需 {n} 人签批才会执行',
    refused_done: '✔ 已驳回（已上链），申请已关闭',
    no_rects: '没有需要您处理的整改任务。',
    deadline: '整改期限',
    status: '状态',
    reminders: '已催办 {n} 次',
    all_rects: '查看整改台账',
    summary: '待审批 {a} 项 · 预警 {b} 条 · 红灯 {c} 项',
    self_dept: '本部门',
    none: '无',
    risk: '高风险项目（延期风险预测）',
    risk_hint: '本部门在建项目中延期概率 ≥ 50% 的项目，按概率排序；原因见各项目页。',
    no_risk: '本部门暂无高风险项目。',
  },
  en: {
    title: 'My inbox',
    approvals: 'Waiting for my approval',
    approvals_hint: 'Requests waiting for my department that need a {role}',
    rects: 'Rectification tasks I answer for',
    project: 'Project',
    amount: 'Amount',
    requester: 'Requested by',
    since: 'Since',
    risk: 'Projects at high risk of delay (prediction)',
    risk_hint: "The department's projects with a probability of delay of 50 % or more, highest first; each project page says why.",
    no_risk: 'No project of the department is at high risk.',
    policy: 'Policy',
    needs: 'Needs',
    req_line: '{dept} {role} × {count} ({done} signed)',
    approve: 'Approve',
    refuse: 'Refuse',
    approve_title: 'Approve this request?',
    refuse_title: 'Refuse this request?',
    refuse_reason: 'Reason for refusing',
    approve_note: 'Note (optional)',
    approve_body: '{kind} · project {project} · amount',
    no_approvals: 'Nothing waits for your approval.',
    reviews: 'Progress to review',
    no_reviews: 'No progress report waits for review.',
    review_line: '{id} · claims {r}, accepted {a} — open the project to review',
    approved_done: '✔ Approved: all approvals are in and the request went to the rules (see the project record)',
    approved_more: '✔ Approved (on the ledger); the request needs {n} more approval(s) before it runs',
    refused_done: '✔ Refused (on the ledger); the request is closed',
    no_rects: 'No rectification task waits for you.',
    deadline: 'Deadline',
    status: 'Status',
    reminders: '{n} reminders sent',
    all_rects: 'Open the rectification ledger',
    summary: '{a} approvals · {b} alerts · {c} red lights',
    self_dept: 'my department',
    none: 'none',
  },
});

/** Whether `me` may sign one of the request's requirements and has not signed yet. */
export function awaitsMe(req: RequestRecord, me: WhoAmI): boolean {
  if (req.status?.status !== 'open') return false;
  if (req.approvals.some((a) => a.key === me.public_key || a.person === me.public_key)) return false;
  return req.required.some((r) => r.role === me.role && r.departments.includes(me.department) && signedFor(req, r) < r.count);
}

/**
 * How many signatures the request still lacks once `me` has approved it (0: my approval
 * completes it and the node executes the request in the same block).
 */
export function missingAfterMyApproval(req: RequestRecord, me: WhoAmI): number {
  let mineCounted = false;
  let missing = 0;
  for (const r of req.required) {
    let done = signedFor(req, r);
    if (!mineCounted && done < r.count && r.role === me.role && r.departments.includes(me.department)) {
      done += 1;
      mineCounted = true;
    }
    missing += Math.max(0, r.count - done);
  }
  return missing;
}

function signedFor(req: RequestRecord, r: ResolvedRequirement): number {
  return req.approvals.filter((a) => a.role === r.role && r.departments.includes(a.department)).length;
}

function selectorText(r: ResolvedRequirement): string {
  if (r.selector === 'project_owner') return t('dept_sel.project_owner');
  if (typeof r.selector === 'object' && 'kind' in r.selector) return deptKindLabel(r.selector.kind);
  return r.departments.join('、');
}

function ApprovalCard({ req, session, onDone }: { req: RequestRecord; session: Session; onDone: () => void }) {
  return (
    <li class="card item">
      <div class="item-head">
        <h3>{opLabel(req.kind)}</h3>
        <span class="amount"><Money fen={req.amount_fen} /></span>
      </div>
      <dl class="facts">
        <dt>{t('project')}</dt>
        <dd>{req.project ? <a href={`#/projects/${encodeURIComponent(req.project)}`}>{req.project}</a> : t('none')}</dd>
        <dt>{t('requester')}</dt>
        <dd>
          {req.submitter_department} · <Hex value={req.submitter_person} />
        </dd>
        <dt>{t('since')}</dt>
        <dd><When ms={req.opened_ms} time /></dd>
        <dt>{t('policy')}</dt>
        <dd>{req.policy_description}</dd>
        <dt>{t('needs')}</dt>
        <dd>
          <ul class="plain">
            {req.required.map((r, i) => (
              <li key={i} class={r.role === session.me.role && r.departments.includes(session.me.department) ? 'mine' : undefined}>
                {t('req_line', { dept: selectorText(r), role: roleLabel(r.role), count: r.count, done: signedFor(req, r) })}
              </li>
            ))}
          </ul>
        </dd>
      </dl>
      <Decision
        session={session}
        words={{ yes: t('approve'), no: t('refuse'), yesTitle: t('approve_title'), noTitle: t('refuse_title'), note: t('approve_note'), reason: t('refuse_reason') }}
        operation={(yes, text) => (yes ? { approve: { request: req.hash, note: text } } : { refuse: { request: req.hash, reason: text } })}
        appliedText={(yes) => {
          // "Applied" is my signature or refusal; say what it means for the request itself.
          if (!yes) return t('refused_done');
          const missing = missingAfterMyApproval(req, session.me);
          return missing === 0 ? t('approved_done') : t('approved_more', { n: missing });
        }}
        onDone={onDone}
      >
        <p>{t('approve_body', { kind: opLabel(req.kind), project: req.project ?? t('none') })} <Money fen={req.amount_fen} /></p>
        <p class="muted">{req.policy_description}</p>
      </Decision>
    </li>
  );
}

function Approvals({ session }: { session: Session }) {
  const me = session.me;
  const r = useAsync(
    () => collect((after) => get<Page<RequestRecord>>(session, `/v1/departments/${encodeURIComponent(me.department)}/approvals${qs({ after, limit: 100 })}`)),
    [me.department],
  );
  const mine = (r.data ?? []).filter((req) => awaitsMe(req, me)).sort((a, b) => a.opened_ms - b.opened_ms);
  // Approval policies name chiefs and directors; a specialist sees the section only when one
  // names them and something waits.
  if (me.role === 'specialist' && mine.length === 0 && !r.error) return null;
  return (
    <section class="stack" aria-labelledby="inbox-approvals">
      <h2 id="inbox-approvals">
        {t('approvals')} {r.data && <span class="count">{mine.length}</span>}
      </h2>
      <p class="muted">{t('approvals_hint', { role: roleLabel(me.role) })}</p>
      {r.loading && !r.data ? <Loading /> : r.error ? <ErrorState error={r.error} onRetry={r.reload} /> : mine.length === 0 ? <Empty>{t('no_approvals')}</Empty> : (
        <ul class="cards">
          {mine.map((req) => (
            <ApprovalCard key={req.hash} req={req} session={session} onDone={r.reload} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** In-progress projects whose latest claimed progress is above the accepted one, most behind first. */
export function awaitingReview(projects: ProjectSummary[]): ProjectSummary[] {
  return projects
    .filter((p) => p.stage === 'in_progress' && (p.reported_progress_bp ?? 0) > p.accepted_progress_bp)
    .sort((a, b) => (b.reported_progress_bp ?? 0) - b.accepted_progress_bp - ((a.reported_progress_bp ?? 0) - a.accepted_progress_bp) || a.id.localeCompare(b.id));
}

/** 待审核进度: for a director, the department's projects with a progress report to review. */
function Reviews({ session }: { session: Session }) {
  const me = session.me;
  const r = useAsync(
    () => collect((after) => get<Page<ProjectSummary>>(session, `/v1/projects${qs({ department: me.department, stage: 'in_progress', after, limit: 100 })}`)),
    [me.department],
  );
  const waiting = awaitingReview(r.data ?? []);
  return (
    <section class="stack" aria-labelledby="inbox-reviews">
      <h2 id="inbox-reviews">
        {t('reviews')} {r.data && <span class="count">{waiting.length}</span>}
      </h2>
      {r.loading && !r.data ? <Loading /> : r.error ? <ErrorState error={r.error} onRetry={r.reload} /> : waiting.length === 0 ? <Empty>{t('no_reviews')}</Empty> : (
        <ul class="cards">
          {waiting.map((p) => (
            <li key={p.id} class="card item">
              <div class="item-head">
                <h3>
                  <a href={`#/projects/${encodeURIComponent(p.id)}`}>{p.name}</a>
                </h3>
              </div>
              <p>{t('review_line', { id: p.id, r: bpText(p.reported_progress_bp ?? 0), a: bpText(p.accepted_progress_bp) })}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Rectifications({ session }: { session: Session }) {
  const me = session.me;
  const r = useAsync(
    () =>
      collect((after) =>
        get<Page<RectificationRecord>>(session, `/v1/rectifications${qs({ department: me.reads_everything ? undefined : me.department, after, limit: 200 })}`),
      ),
    [me.department],
  );
  const now = Date.now();
  const mine = (r.data ?? [])
    .filter((x) => x.status !== 'verified')
    .filter((x) => (me.reads_everything ? x.status === 'submitted' || x.task.responsible_person === me.public_key : x.task.responsible_department === me.department))
    .sort((a, b) => a.task.deadline_ms - b.task.deadline_ms);
  return (
    <section class="stack" aria-labelledby="inbox-rects">
      <h2 id="inbox-rects">
        {t('rects')} {r.data && <span class="count">{mine.length}</span>}
      </h2>
      {r.loading && !r.data ? <Loading /> : r.error ? <ErrorState error={r.error} onRetry={r.reload} /> : mine.length === 0 ? <Empty>{t('no_rects')}</Empty> : (
        <ul class="cards">
          {mine.map((x) => (
            <li key={x.task.id} class={`card item light-border-${light(x.task.deadline_ms, x.status, now).color}`}>
              <div class="item-head">
                <h3>
                  <a href={`#/rectifications?task=${encodeURIComponent(x.task.id)}`}>{x.task.title}</a>
                </h3>
                <LightBadge deadline_ms={x.task.deadline_ms} status={x.status} now_ms={now} />
              </div>
              <dl class="facts">
                <dt>{t('deadline')}</dt>
                <dd><When ms={x.task.deadline_ms} /></dd>
                <dt>{t('status')}</dt>
                <dd>{rectStatusLabel(x.status)}{x.reminders > 0 ? ` · ${t('reminders', { n: x.reminders })}` : ''}</dd>
              </dl>
            </li>
          ))}
        </ul>
      )}
      <a href="#/rectifications">{t('all_rects')}</a>
    </section>
  );
}

interface RiskItem {
  project: string;
  name: string;
  probability_bp: number;
  summary_zh: string;
  summary_en: string;
}

/** 高风险项目: the department's projects the model rates high (for its director and chiefs). */
function HighRisk({ session }: { session: Session }) {
  const { lang } = useLang();
  const me = session.me;
  const r = useAsync(() => get<{ items: RiskItem[] }>(session, `/v1/risk${qs({ level: 'high', department: me.department })}`), [me.department]);
  const items = r.data?.items ?? [];
  return (
    <section class="stack" aria-labelledby="inbox-risk">
      <h2 id="inbox-risk">
        {t('risk')} {r.data && <span class="count">{items.length}</span>}
      </h2>
      <p class="muted">{t('risk_hint')}</p>
      {r.loading && !r.data ? <Loading /> : r.error ? <ErrorState error={r.error} onRetry={r.reload} /> : items.length === 0 ? <Empty>{t('no_risk')}</Empty> : (
        <ul class="cards">
          {items.map((x) => (
            <li key={x.project} class="card item light-border-red">
              <div class="item-head">
                <h3>
                  <a href={`#/projects/${encodeURIComponent(x.project)}`}>{x.name}</a>
                </h3>
                <span class="risk risk-high">{bpText(x.probability_bp)}</span>
              </div>
              <p>{lang === 'zh' ? x.summary_zh : x.summary_en}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function InboxPage() {
  const session = useSession();
  return (
    <div class="stack page">
      <h1>{t('title')}</h1>
      <div class="inbox-grid">
        <Approvals session={session} />
        {session.me.role === 'director' && <Reviews session={session} />}
        {(session.me.role === 'director' || session.me.role === 'section_chief') && session.me.department_kind === 'line' && <HighRisk session={session} />}
        <AlertsSection session={session} />
        <Rectifications session={session} />
      </div>
    </div>
  );
}
