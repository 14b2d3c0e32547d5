// 会议纪要 → 整改任务 (#/minutes): paste or upload the minutes of an inspection or co-ordination
// meeting; the node drafts each instruction it finds (POST /v1/minutes/drafts, read with the
// ledger's own departments, members and projects); each draft is shown beside the sentence it
// came from, a person corrects it, ticks 采纳 and signs the ticked ones as raise_rectification
// transactions, one by one, each with its own outcome. Nothing is submitted unticked.
import { useState } from 'preact/hooks';
import { makeT } from '../../i18n';
import { useSession } from '../../session';
import { postText } from '../../chain';
import { ErrorState } from '../../components/ui';
import { outcomeText } from '../../components/Outcome';
import { SubmitFailure, submitOperation, type SubmitResult } from '../../submit';
import { checkForm, initialForm, normalizeExtraction, raisesTasks, rectificationOperation, type Extraction, type TaskForm } from './drafts';
import '../forms/forms.css';
import './minutes.css';

const t = makeT({
  zh: {
    title: '会议纪要 → 整改任务',
    hint: '粘贴或上传会议纪要（纯文本），系统按规则和链上的部门、人员、项目名录提取任务指令，生成任务草稿。草稿须由您逐条核对、勾选“采纳”后签名提交；未采纳的草稿不会提交。',
    not_raiser: '仅审计（纪检监察）部门的局长、科长和审计员可签发整改任务；您可以提取草稿，但不能提交。',
    text: '纪要正文',
    file: '或上传文本文件（.txt，UTF-8）',
    meeting: '会议日期（纪要中没有“时间：”一行时使用）',
    extract: '提取任务草稿',
    extracting: '正在提取…',
    empty_text: '请先粘贴或上传纪要正文。',
    file_bad: '无法读取该文件：{reason}',
    found: '共 {sentences} 句，提取到 {n} 条任务指令（会议日期 {date}）。',
    none: '没有找到任务指令。',
    source: '纪要原文（第 {n} 句）',
    adopt: '采纳此任务',
    id: '任务编号',
    task_title: '任务名称',
    department: '责任部门',
    person: '责任人',
    person_hint: '纪要中写作“{text}”，请选择对应人员',
    deadline: '完成时限',
    deadline_hint: '纪要中写作“{text}”',
    standard: '验收标准',
    project: '关联项目编号（可选）',
    choose: '— 请选择 —',
    'err.required': '必填',
    'err.id': '只能使用字母、数字和 . _ -，最多 64 个字符',
    'err.past': '时限不能早于今天',
    'err.department': '该人员不属于所选责任部门',
    submit: '签名并提交已采纳的 {n} 项任务',
    fix_first: '已采纳的任务中有未填写或有误的项目，请先修改。',
    none_adopted: '尚未采纳任何任务。',
    sending: '正在提交第 {i}/{n} 项…',
  },
  en: {
    title: 'Minutes → rectification tasks',
    hint: 'Paste or upload meeting minutes (plain text). Instructions are drafted by rules and the ledger’s own directory of departments, members and projects. Check each draft, tick “Adopt” and sign; drafts not adopted are never submitted.',
    not_raiser: 'Only audit’s director, section chiefs and auditors may raise rectification tasks; you can draft but not submit.',
    text: 'Minutes',
    file: 'or upload a text file (.txt, UTF-8)',
    meeting: 'Meeting date (used when the minutes have no “时间：” line)',
    extract: 'Draft tasks',
    extracting: 'Drafting…',
    empty_text: 'Paste or upload the minutes first.',
    file_bad: 'Cannot read that file: {reason}',
    found: '{sentences} sentences, {n} instructions found (meeting on {date}).',
    none: 'No instructions found.',
    source: 'From the minutes (sentence {n})',
    adopt: 'Adopt this task',
    id: 'Task id',
    task_title: 'Title',
    department: 'Responsible department',
    person: 'Responsible person',
    person_hint: 'The minutes say “{text}”: choose the member',
    deadline: 'Deadline',
    deadline_hint: 'The minutes say “{text}”',
    standard: 'Acceptance standard',
    project: 'Project id (optional)',
    choose: '— choose —',
    'err.required': 'Required',
    'err.id': 'Letters, digits and . _ - only, at most 64 characters',
    'err.past': 'The deadline cannot be before today',
    'err.department': 'This member is not in the chosen department',
    submit: 'Sign and submit the {n} adopted tasks',
    fix_first: 'Some adopted tasks have missing or wrong fields: fix them first.',
    none_adopted: 'No task adopted yet.',
    sending: 'Submitting {i} of {n}…',
  },
});

/** Today in China Standard Time, `YYYY-MM-DD`. */
function todayCst(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
}

type Sent = { result: SubmitResult | null; error: SubmitFailure | null };

function Field({ label, error, hint, children }: { label: string; error?: string; hint?: string; children: preact.ComponentChildren }) {
  return (
    <label class="forms-field">
      <span class="forms-label">{label}</span>
      {children}
      {hint && <span class="forms-hint">{hint}</span>}
      {error && <span class="forms-error">{t(`err.${error}`)}</span>}
    </label>
  );
}

function DraftCard({
  x,
  index,
  form,
  sent,
  today,
  onChange,
}: {
  x: Extraction;
  index: number;
  form: TaskForm;
  sent?: Sent;
  today: string;
  onChange: (f: TaskForm) => void;
}) {
  const draft = x.drafts[index];
  const errors = form.approved ? checkForm(form, today, x.people) : {};
  const set = (patch: Partial<TaskForm>) => onChange({ ...form, ...patch });
  const people = x.people.filter((p) => form.department === '' || p.department === form.department);
  const done = sent?.result?.outcome === 'applied';
  return (
    <li class={`card minutes-draft${form.approved ? ' minutes-adopted' : ''}`}>
      <blockquote class="minutes-source">
        <span class="forms-hint">{t('source', { n: draft.sentence_index + 1 })}</span>
        <p>{draft.sentence}</p>
      </blockquote>
      <div class="forms-fields">
        <label class="forms-field forms-check">
          <input type="checkbox" checked={form.approved} disabled={done} onChange={(e) => set({ approved: (e.target as HTMLInputElement).checked })} />
          <span class="forms-label">{t('adopt')}</span>
        </label>
        <Field label={t('id')} error={errors.id}>
          <input type="text" value={form.id} disabled={done} aria-invalid={!!errors.id} onInput={(e) => set({ id: (e.target as HTMLInputElement).value })} />
        </Field>
        <Field label={t('task_title')} error={errors.title}>
          <input type="text" value={form.title} disabled={done} aria-invalid={!!errors.title} onInput={(e) => set({ title: (e.target as HTMLInputElement).value })} />
        </Field>
        <Field label={t('department')} error={errors.department}>
          <select value={form.department} disabled={done} aria-invalid={!!errors.department} onChange={(e) => set({ department: (e.target as HTMLSelectElement).value })}>
            <option value="">{t('choose')}</option>
            {x.departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('person')} error={errors.person_key} hint={!draft.person_key && draft.person_text ? t('person_hint', { text: draft.person_text }) : undefined}>
          <select value={form.person_key} disabled={done} aria-invalid={!!errors.person_key} onChange={(e) => set({ person_key: (e.target as HTMLSelectElement).value })}>
            <option value="">{t('choose')}</option>
            {people.map((p) => (
              <option key={p.public_key} value={p.public_key}>
                {p.name}（{p.department} · {p.role}）
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('deadline')} error={errors.deadline} hint={draft.deadline_text ? t('deadline_hint', { text: draft.deadline_text }) : undefined}>
          <input type="date" value={form.deadline} disabled={done} aria-invalid={!!errors.deadline} onInput={(e) => set({ deadline: (e.target as HTMLInputElement).value })} />
        </Field>
        <Field label={t('standard')} error={errors.acceptance_standard}>
          <textarea rows={2} value={form.acceptance_standard} disabled={done} aria-invalid={!!errors.acceptance_standard} onInput={(e) => set({ acceptance_standard: (e.target as HTMLTextAreaElement).value })} />
        </Field>
        <Field label={t('project')} error={errors.project}>
          <input type="text" value={form.project} disabled={done} aria-invalid={!!errors.project} onInput={(e) => set({ project: (e.target as HTMLInputElement).value })} />
        </Field>
        {sent && <p class={done ? 'minutes-ok' : 'forms-error'} role="status">{outcomeText(sent.result, sent.error)}</p>}
      </div>
    </li>
  );
}

export function MinutesPage(_props: { params?: Record<string, string> }) {
  const session = useSession();
  const today = todayCst();
  const [text, setText] = useState('');
  const [meetingDate, setMeetingDate] = useState(today);
  const [problem, setProblem] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState('');
  const [x, setX] = useState<Extraction | null>(null);
  const [forms, setForms] = useState<TaskForm[]>([]);
  const [sent, setSent] = useState<Record<number, Sent>>({});
  const mayRaise = raisesTasks(session.me);

  const extract = async () => {
    setProblem('');
    setError(null);
    if (text.trim() === '') {
      setProblem(t('empty_text'));
      return;
    }
    setBusy(t('extracting'));
    try {
      const answer = normalizeExtraction(await postText<unknown>(session, `/v1/minutes/drafts?meeting_date=${encodeURIComponent(meetingDate)}`, text));
      setX(answer);
      setForms(answer.drafts.map((d, i) => initialForm(d, i, answer.meeting_date)));
      setSent({});
    } catch (e) {
      setError(e);
    } finally {
      setBusy('');
    }
  };

  const readFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      setText(new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer()));
      setProblem('');
    } catch (e) {
      setProblem(t('file_bad', { reason: e instanceof Error ? e.message : String(e) }));
    }
  };

  const adopted = forms.map((f, i) => [f, i] as const).filter(([f, i]) => f.approved && sent[i]?.result?.outcome !== 'applied');
  const invalid = adopted.some(([f]) => Object.keys(checkForm(f, today, x?.people ?? [])).length > 0);

  const submitAll = async () => {
    if (!x || invalid || adopted.length === 0) return;
    let k = 0;
    for (const [form, i] of adopted) {
      k += 1;
      setBusy(t('sending', { i: k, n: adopted.length }));
      let outcome: Sent;
      try {
        outcome = { result: await submitOperation(session, rectificationOperation(form, x.meeting_date)), error: null };
      } catch (e) {
        outcome = { result: null, error: e instanceof SubmitFailure ? e : new SubmitFailure('network', e instanceof Error ? e.message : String(e)) };
      }
      setSent((s) => ({ ...s, [i]: outcome }));
    }
    setBusy('');
  };

  return (
    <section class="forms-page minutes-page">
      <h1>{t('title')}</h1>
      <p class="forms-hint">{t('hint')}</p>
      {!mayRaise && <p class="minutes-notice">{t('not_raiser')}</p>}
      <div class="card forms-fields">
        <label class="forms-field">
          <span class="forms-label">{t('text')}</span>
          <textarea rows={10} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        </label>
        <label class="forms-field">
          <span class="forms-label">{t('file')}</span>
          <input type="file" accept=".txt,text/plain" onChange={(e) => readFile((e.target as HTMLInputElement).files?.[0])} />
        </label>
        <label class="forms-field">
          <span class="forms-label">{t('meeting')}</span>
          <input type="date" value={meetingDate} onInput={(e) => setMeetingDate((e.target as HTMLInputElement).value)} />
        </label>
        {problem && <p class="forms-error" role="alert">{problem}</p>}
        <button type="button" class="btn btn-primary" onClick={extract} disabled={busy !== ''}>
          {busy === t('extracting') ? busy : t('extract')}
        </button>
      </div>
      {error != null && <ErrorState error={error} onRetry={extract} />}
      {x && (
        <>
          <p role="status">{x.drafts.length === 0 ? t('none') : t('found', { sentences: x.sentences, n: x.drafts.length, date: x.meeting_date })}</p>
          <ol class="plain stack minutes-drafts">
            {forms.map((f, i) => (
              <DraftCard key={i} x={x} index={i} form={f} sent={sent[i]} today={today} onChange={(nf) => setForms((all) => all.map((g, j) => (j === i ? nf : g)))} />
            ))}
          </ol>
          {x.drafts.length > 0 && (
            <div class="minutes-submit">
              {adopted.length === 0 && <p class="forms-hint">{t('none_adopted')}</p>}
              {invalid && <p class="forms-error" role="alert">{t('fix_first')}</p>}
              <button type="button" class="btn btn-primary" onClick={submitAll} disabled={!mayRaise || invalid || adopted.length === 0 || busy !== ''}>
                {busy && busy !== t('extracting') ? busy : t('submit', { n: adopted.length })}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}
