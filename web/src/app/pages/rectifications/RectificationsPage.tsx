// 整改台账 `#/rectifications`: every task I may see with its light (red / yellow / green),
// owner, deadline, standard, status, days overdue and reminders; actions where my role may act
// (the node decides and its reason is shown): submit evidence (the file is SM3-hashed in the
// browser, only the hash goes on the ledger), and for the raising department verify or reopen.
import { useState } from 'preact/hooks';
import { makeT, rectStatusLabel } from '../../i18n';
import { useSession, type Session, type WhoAmI } from '../../session';
import { ExportButtons } from '../../components/ExportButtons';
import { get } from '../../chain';
import { navigate } from '../../router';
import { useSubmit } from '../../submit';
import { useAsync } from '../../components/useAsync';
import { ConfirmDialog } from '../../components/Dialog';
import { OutcomeNote, outcomeText } from '../../components/Outcome';
import { toast } from '../../components/Toasts';
import { Empty, ErrorState, Hex, LightBadge, Loading, When } from '../../components/ui';
import { light } from '../../components/light';
import { errorText } from '../../components/errors';
import { qs, type Page, type RectificationRecord } from '../../components/records';
import { hashBlob } from '../../../crypto/sm3';
import { toHex } from '../../../crypto/hex';

const t = makeT({
  zh: {
    title: '整改台账',
    filters: '筛选',
    status: '状态',
    all: '全部',
    department: '责任部门',
    overdue_only: '只看逾期',
    apply: '筛选',
    caption: '整改任务',
    task: '任务',
    owner: '责任人',
    deadline: '期限',
    standard: '验收标准',
    light: '红黄绿灯',
    overdue_days: '逾期天数',
    reminders: '催办次数',
    actions: '操作',
    days: '{n} 天',
    submit: '提交整改材料',
    verify: '核验通过',
    reopen: '退回重整',
    submit_title: '提交整改材料：{title}',
    evidence: '整改材料文件（只上传其 SM3 哈希）',
    hashing: '正在计算哈希… {pct}%',
    hash: 'SM3：{hash}',
    note: '说明',
    need_file: '请选择整改材料文件',
    verify_title: '核验通过：{title}',
    reopen_title: '退回重整：{title}',
    verify_note: '核验意见',
    reopen_note: '退回理由',
    empty: '没有符合条件的整改任务。',
    next: '下一页',
    first: '第一页',
    last_evidence: '最近材料',
    finding: '问题',
    source: '来源',
  },
  en: {
    title: 'Rectification ledger',
    filters: 'Filters',
    status: 'Status',
    all: 'All',
    department: 'Responsible department',
    overdue_only: 'Overdue only',
    apply: 'Filter',
    caption: 'Rectification tasks',
    task: 'Task',
    owner: 'Owner',
    deadline: 'Deadline',
    standard: 'Acceptance standard',
    light: 'Light',
    overdue_days: 'Days overdue',
    reminders: 'Reminders',
    actions: 'Actions',
    days: '{n} days',
    submit: 'Submit evidence',
    verify: 'Verify',
    reopen: 'Reopen',
    submit_title: 'Submit evidence: {title}',
    evidence: 'Evidence file (only its SM3 hash is recorded)',
    hashing: 'Hashing… {pct}%',
    hash: 'SM3: {hash}',
    note: 'Note',
    need_file: 'Choose the evidence file',
    verify_title: 'Verify: {title}',
    reopen_title: 'Reopen: {title}',
    verify_note: 'Verification note',
    reopen_note: 'Why it is reopened',
    empty: 'No task matches.',
    next: 'Next page',
    first: 'First page',
    last_evidence: 'Last evidence',
    finding: 'Finding',
    source: 'Source',
  },
});

const STATUSES = ['open', 'submitted', 'verified', 'reopened'];

/** Loosely mirrors the rules (engine/mod.rs): the node is the authority. */
function maySubmit(x: RectificationRecord, me: WhoAmI): boolean {
  if (x.status !== 'open' && x.status !== 'reopened') return false;
  if (x.task.responsible_person === me.public_key) return true;
  return x.task.responsible_department === me.department && (me.role === 'director' || me.role === 'section_chief');
}

function mayVerify(x: RectificationRecord, me: WhoAmI): boolean {
  return x.status === 'submitted' && x.raising_department === me.department && ['director', 'section_chief', 'auditor'].includes(me.role);
}

type Action = 'submit' | 'verify' | 'reopen';

function ActionDialog({ session, x, action, onClose }: { session: Session; x: RectificationRecord; action: Action; onClose: (changed: boolean) => void }) {
  const s = useSubmit(session);
  const [file, setFile] = useState<File | null>(null);
  const [hash, setHash] = useState<string | null>(null);
  const [pct, setPct] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const pick = async (f: File | undefined) => {
    setFile(f ?? null);
    setHash(null);
    setError(null);
    if (!f) return;
    try {
      setPct(0);
      const digest = await hashBlob(f, { onProgress: (n) => setPct(Math.floor((n / Math.max(1, f.size)) * 100)) });
      setHash(toHex(digest));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setPct(null);
    }
  };

  const confirm = async (note: string) => {
    let op: object;
    if (action === 'submit') {
      if (!hash) {
        setError(t('need_file'));
        return;
      }
      op = { submit_rectification: { task: x.task.id, evidence_hash: hash, note } };
    } else {
      op = { verify_rectification: { task: x.task.id, accepted: action === 'verify', note } };
    }
    const r = await s.submit(op);
    if (r) {
      toast(outcomeText(r), r.outcome === 'applied' ? 'ok' : r.outcome === 'pending' ? 'info' : 'error');
      onClose(r.outcome !== 'pending');
    }
  };

  const title = t(`${action}_title`, { title: x.task.title });
  return (
    <ConfirmDialog
      title={title}
      confirmLabel={t(action)}
      danger={action === 'reopen'}
      busy={s.busy || pct !== null}
      error={error ?? (s.error ? outcomeText(null, s.error) : null)}
      input={{ label: action === 'submit' ? t('note') : action === 'verify' ? t('verify_note') : t('reopen_note'), multiline: true, required: action === 'reopen' }}
      onConfirm={(note) => void confirm(note)}
      onCancel={() => onClose(false)}
    >
      <p class="muted">{t('standard')}: {x.task.acceptance_standard}</p>
      {action === 'submit' && (
        <div class="stack">
          <label class="field">
            <span>{t('evidence')}</span>
            <input type="file" onChange={(e) => void pick(e.currentTarget.files?.[0])} />
          </label>
          {pct !== null && <p role="status">{t('hashing', { pct })}</p>}
          {hash && file && (
            <p class="form-ok" role="status">
              ✔ {file.name} — <code class="hex wrap">{t('hash', { hash })}</code>
            </p>
          )}
        </div>
      )}
      <OutcomeNote result={s.result} error={null} />
    </ConfirmDialog>
  );
}

export function RectificationsPage({ query }: { query: Record<string, string> }) {
  const session = useSession();
  const me = session.me;
  const seesAll = me.reads_everything;
  const [status, setStatus] = useState(query.status ?? '');
  const [department, setDepartment] = useState(query.department ?? '');
  const [overdue, setOverdue] = useState(query.overdue === 'true');
  const [dialog, setDialog] = useState<{ x: RectificationRecord; action: Action } | null>(null);
  const r = useAsync(
    () =>
      get<Page<RectificationRecord>>(
        session,
        `/v1/rectifications${qs({ status: query.status, department: seesAll ? query.department : me.department, overdue: query.overdue === 'true' ? 'true' : undefined, project: query.project, after: query.after, limit: 50 })}`,
      ),
    [query.status, query.department, query.overdue, query.project, query.after],
  );
  const now = Date.now();
  const apply = (e: Event) => {
    e.preventDefault();
    navigate('/rectifications', { status, department: seesAll ? department.trim() : undefined, overdue: overdue ? 'true' : undefined, project: query.project });
  };
  const base = { status: query.status, department: query.department, overdue: query.overdue, project: query.project };

  return (
    <div class="stack page">
      <div class="item-head">
        <h1>{t('title')}</h1>
        <ExportButtons
          session={session}
          table="rectifications"
          filters={{ status: query.status, department: seesAll ? query.department : me.department, overdue: query.overdue === 'true' ? 'true' : undefined, project: query.project }}
        />
      </div>
      <form class="filters" onSubmit={apply} aria-label={t('filters')}>
        <label class="field">
          <span>{t('status')}</span>
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">{t('all')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>{rectStatusLabel(s)}</option>
            ))}
          </select>
        </label>
        {seesAll && (
          <label class="field">
            <span>{t('department')}</span>
            <input value={department} onInput={(e) => setDepartment(e.currentTarget.value)} placeholder="ecology" />
          </label>
        )}
        <label class="check">
          <input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.currentTarget.checked)} />
          <span>{t('overdue_only')}</span>
        </label>
        <div class="actions">
          <button type="submit" class="btn btn-primary">{t('apply')}</button>
        </div>
      </form>
      {r.loading && !r.data ? <Loading /> : r.error ? <ErrorState error={r.error} onRetry={r.reload} /> : !r.data || r.data.items.length === 0 ? <Empty>{t('empty')}</Empty> : (
        <>
          <div class="table-wrap">
            <table class="table">
              <caption>{t('caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('task')}</th>
                  <th scope="col">{t('light')}</th>
                  <th scope="col">{t('owner')}</th>
                  <th scope="col">{t('deadline')}</th>
                  <th scope="col">{t('standard')}</th>
                  <th scope="col">{t('status')}</th>
                  <th scope="col" class="num">{t('overdue_days')}</th>
                  <th scope="col" class="num">{t('reminders')}</th>
                  <th scope="col">{t('actions')}</th>
                </tr>
              </thead>
              <tbody>
                {r.data.items.map((x) => {
                  const l = light(x.task.deadline_ms, x.status, now);
                  const focus = query.task === x.task.id;
                  return (
                    <tr key={x.task.id} class={focus ? 'row-focus' : undefined}>
                      <td data-label={t('task')}>
                        <strong>{x.task.id}</strong> {x.task.title}
                        {x.task.project && (
                          <>
                            {' · '}
                            <a href={`#/projects/${encodeURIComponent(x.task.project)}`}>{x.task.project}</a>
                          </>
                        )}
                        <details>
                          <summary>{t('finding')}</summary>
                          <p>{x.task.finding}</p>
                          <p class="muted">{t('source')}: {x.task.source_ref}</p>
                          {x.last_evidence && (
                            <p class="muted">
                              {t('last_evidence')}: <Hex value={x.last_evidence} /> {x.last_submit_note}
                            </p>
                          )}
                        </details>
                      </td>
                      <td data-label={t('light')}><LightBadge deadline_ms={x.task.deadline_ms} status={x.status} now_ms={now} /></td>
                      <td data-label={t('owner')}>{x.task.responsible_department} · <Hex value={x.task.responsible_person} /></td>
                      <td data-label={t('deadline')}><When ms={x.task.deadline_ms} /></td>
                      <td data-label={t('standard')}>{x.task.acceptance_standard}</td>
                      <td data-label={t('status')}>{rectStatusLabel(x.status)}</td>
                      <td class="num" data-label={t('overdue_days')}>{l.color === 'red' ? t('days', { n: l.days }) : '—'}</td>
                      <td class="num" data-label={t('reminders')}>{x.reminders}</td>
                      <td data-label={t('actions')}>
                        <div class="actions">
                          {maySubmit(x, me) && (
                            <button type="button" class="btn btn-small btn-primary" onClick={() => setDialog({ x, action: 'submit' })}>
                              {t('submit')}
                            </button>
                          )}
                          {mayVerify(x, me) && (
                            <>
                              <button type="button" class="btn btn-small btn-primary" onClick={() => setDialog({ x, action: 'verify' })}>
                                {t('verify')}
                              </button>
                              <button type="button" class="btn btn-small btn-danger-ghost" onClick={() => setDialog({ x, action: 'reopen' })}>
                                {t('reopen')}
                              </button>
                            </>
                          )}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <nav class="actions" aria-label={t('next')}>
            {query.after && <a class="btn" href={`#/rectifications${qs(base)}`}>{t('first')}</a>}
            {r.data.next && <a class="btn" href={`#/rectifications${qs({ ...base, after: r.data.next })}`}>{t('next')} →</a>}
          </nav>
        </>
      )}
      {dialog && (
        <ActionDialog
          session={session}
          x={dialog.x}
          action={dialog.action}
          onClose={(changed) => {
            setDialog(null);
            if (changed) r.reload();
          }}
        />
      )}
    </div>
  );
}
