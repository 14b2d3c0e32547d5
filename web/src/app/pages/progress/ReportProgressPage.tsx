// 进度填报 (#/report), made for a phone on site: pick one of my department's projects in
// progress, set the cumulative percent (big slider + number), take or choose photos (hashed with
// SM3 here, never uploaded), add a note, submit once; see applied / rejected with the reason.
import { useMemo, useState } from 'preact/hooks';
import type { TargetedEvent } from 'preact';
import { makeT, useLang } from '../../i18n';
import { useSession, type Session } from '../../session';
import { get } from '../../chain';
import { useSubmit } from '../../submit';
import { useAsync } from '../../components/useAsync';
import { ErrorState, Loading } from '../../components/ui';
import { errorText as apiErrorText } from '../../components/errors';
import { bpText } from '../../components/format';
import { hashBlob } from '../../../crypto/sm3';
import { toHex } from '../../../crypto/hex';
import { formatPercentInput, parsePercent } from '../forms/units';
import { rejectionText, tf } from '../forms/labels';
import { routeParams } from '../forms/params';
import { evidenceHash, fullNote, progressOperation, reportId, startingBp, type HashedPhoto } from './evidence';
import './progress.css';

const t = makeT({
  zh: {
    title: '进度填报',
    step1: '① 选择项目',
    step2: '② 累计完成进度',
    step3: '③ 现场照片',
    step4: '④ 情况说明',
    none: '本部门暂无实施中的项目。',
    accepted: '已验收进度 {a} · 已填报 {r}',
    percent: '累计完成百分比',
    photos: '拍照或选择照片',
    photos_hint: '照片只在本机计算 SM3 哈希，不会上传；多张照片的证据哈希为各照片哈希按顺序拼接后的 SM3，并写入说明。',
    hashing: '正在计算哈希…',
    remove: '移除 {name}',
    evidence: '证据哈希',
    note: '说明（可选）',
    note_ph: '例如：完成 60 个路口信号机安装',
    submit: '提交进度',
    submitting: '正在签名并提交…',
    need_project: '请先选择项目',
    need_photo: '请至少拍一张照片作为佐证',
    bad_percent: '请填写 0–100 之间、最多两位小数的百分比',
    below: '低于已验收进度 {a}，请确认',
    hash: '交易哈希',
    applied: '✔ 已上链生效，等待本部门局长审核',
    report_id: '报告编号：{id}',
    rejected: '✘ 被拒绝：{why}',
    node_says: '节点原文（{code}）：{reason}',
    pending: '已提交，尚未确认上链，可稍后在待办中查看。',
    failed: '节点未接收：{message}',
    again: '再填一条',
  },
  en: {
    title: 'Report progress',
    step1: '① Project',
    step2: '② Cumulative progress',
    step3: '③ Site photos',
    step4: '④ Note',
    none: 'Your department has no project in progress.',
    accepted: 'Accepted {a} · reported {r}',
    percent: 'Percent complete',
    photos: 'Take or choose photos',
    photos_hint: 'Photos are hashed (SM3) on this device and never uploaded; for several photos the evidence hash is SM3 of their hashes in order, listed in the note.',
    hashing: 'Hashing…',
    remove: 'Remove {name}',
    evidence: 'Evidence hash',
    note: 'Note (optional)',
    note_ph: 'e.g. 60 intersections fitted',
    submit: 'Submit progress',
    submitting: 'Signing and submitting…',
    need_project: 'Choose a project first',
    need_photo: 'Add at least one photo as evidence',
    bad_percent: 'Enter a percent from 0 to 100 with at most two decimals',
    below: 'Below the accepted {a}; please check',
    hash: 'Transaction hash',
    applied: '✔ Committed; awaiting the director’s review',
    report_id: 'Report id: {id}',
    rejected: '✘ Rejected: {why}',
    node_says: 'Node message ({code}): {reason}',
    pending: 'Submitted, not yet committed; check your inbox later.',
    failed: 'The node did not accept it: {message}',
    again: 'Report another',
  },
});

/** A project as GET /v1/projects lists it (the fields this page uses). */
export interface ProjectItem {
  id: string;
  name: string;
  owner_department?: string;
  stage?: string;
  accepted_progress_bp?: number | null;
  reported_progress_bp?: number | null;
}

async function loadProjects(session: Session): Promise<ProjectItem[]> {
  const q = new URLSearchParams({ stage: 'in_progress', limit: '500', department: session.me.department });
  const page = await get<{ items?: ProjectItem[] }>(session, `/v1/projects?${q}`);
  return page.items ?? [];
}

function ProjectPicker({ projects, chosen, onChoose }: { projects: ProjectItem[]; chosen: string; onChoose: (p: ProjectItem) => void }) {
  if (projects.length === 0) return <p>{t('none')}</p>;
  return (
    <div class="progress-projects" role="radiogroup" aria-label={t('step1')}>
      {projects.map((p) => (
        <label key={p.id} class={`progress-project${p.id === chosen ? ' progress-chosen' : ''}`}>
          <input type="radio" name="progress-project" value={p.id} checked={p.id === chosen} onChange={() => onChoose(p)} />
          <span class="progress-project-name">{p.name}</span>
          <span class="progress-project-meta">
            {p.id} · {t('accepted', { a: bpText(p.accepted_progress_bp ?? 0), r: bpText(p.reported_progress_bp ?? 0) })}
          </span>
        </label>
      ))}
    </div>
  );
}

function PercentInput({ raw, setRaw, acceptedBp }: { raw: string; setRaw: (s: string) => void; acceptedBp: number }) {
  const parsed = parsePercent(raw);
  const bp = parsed.ok ? parsed.value : 0;
  return (
    <div class="progress-percent">
      <input type="range" min={0} max={100} step={1} value={bp / 100} aria-label={t('percent')} class="progress-slider"
        onInput={(e) => setRaw(e.currentTarget.value)} />
      <label class="progress-number">
        <span class="progress-sr">{t('percent')}</span>
        <input type="text" inputMode="decimal" value={raw} onInput={(e) => setRaw(e.currentTarget.value)}
          aria-invalid={parsed.ok ? undefined : 'true'} aria-describedby="progress-percent-msg" />
        <span aria-hidden="true">%</span>
      </label>
      <p id="progress-percent-msg" class="progress-msg" role="status">
        {raw.trim() === '' ? '' : !parsed.ok ? t('bad_percent') : bp < acceptedBp ? t('below', { a: bpText(acceptedBp) }) : ''}
      </p>
    </div>
  );
}

function Photos({ photos, setPhotos }: { photos: HashedPhoto[]; setPhotos: (f: (p: HashedPhoto[]) => HashedPhoto[]) => void }) {
  const [busy, setBusy] = useState(0);
  const add = async (e: TargetedEvent<HTMLInputElement>) => {
    const files = Array.from(e.currentTarget.files ?? []);
    e.currentTarget.value = '';
    setBusy((n) => n + files.length);
    for (const file of files) {
      try {
        const hash = toHex(await hashBlob(file));
        setPhotos((ps) => [...ps, { name: file.name, size: file.size, hash }]);
      } catch {
        // an unreadable file is left out; the list shows what was hashed
      } finally {
        setBusy((n) => n - 1);
      }
    }
  };
  const evidence = evidenceHash(photos);
  return (
    <div class="progress-photos">
      <label class="progress-camera">
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
          <path fill="currentColor" d="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9Zm3 5a5 5 0 1 1 0 10 5 5 0 0 1 0-10Zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6Z" />
        </svg>{' '}
        {t('photos')}
        <input type="file" accept="image/*" capture="environment" multiple onChange={add} class="progress-file" />
      </label>
      {busy > 0 && <p role="status">{t('hashing')}</p>}
      <ol class="progress-photo-list">
        {photos.map((p, i) => (
          <li key={`${p.hash}-${i}`}>
            <span class="progress-photo-name">{p.name}</span>
            <code class="progress-hash">{p.hash}</code>
            <button type="button" class="btn progress-remove" aria-label={t('remove', { name: p.name })}
              onClick={() => setPhotos((ps) => ps.filter((_, j) => j !== i))}>
              ✕
            </button>
          </li>
        ))}
      </ol>
      {evidence && (
        <p class="progress-evidence">
          {t('evidence')}：<code class="progress-hash">{evidence}</code>
        </p>
      )}
      <p class="progress-hint">{t('photos_hint')}</p>
    </div>
  );
}

function Result({ s, reportId }: { s: ReturnType<typeof useSubmit>; reportId: string }) {
  if (s.busy) return <p role="status" class="progress-result">{t('submitting')}</p>;
  if (s.error) return <p role="alert" class="progress-result progress-bad">{t('failed', { message: apiErrorText(s.error) })}</p>;
  if (!s.result) return null;
  const { hash, outcome } = s.result;
  return (
    <div role="status" class="progress-result">
      {outcome === 'applied' && <p class="progress-good">{t('applied')}</p>}
      {outcome === 'applied' && <p class="progress-hint">{t('report_id', { id: reportId })}</p>}
      {outcome === 'pending' && <p>{t('pending')}</p>}
      {typeof outcome === 'object' && (
        <>
          <p class="progress-bad">{t('rejected', { why: rejectionText(tf, outcome.rejected.code) })}</p>
          <p class="progress-hint">{t('node_says', { code: outcome.rejected.code, reason: outcome.rejected.reason || '—' })}</p>
        </>
      )}
      <p class="progress-hint">
        {t('hash')}：<code class="progress-hash">{hash}</code>
      </p>
    </div>
  );
}

export function ReportProgressPage(props: { params?: Record<string, string> }) {
  const session = useSession();
  const { lang } = useLang();
  const params = routeParams(props.params);
  const projects = useAsync(() => loadProjects(session), [session]);
  const s = useSubmit(session);
  const [projectId, setProjectId] = useState(params.project ?? '');
  const [raw, setRaw] = useState('');
  const [photos, setPhotos] = useState<HashedPhoto[]>([]);
  const [note, setNote] = useState('');
  const [id, setId] = useState(() => (params.project ? reportId(params.project, Date.now()) : ''));
  const [problem, setProblem] = useState('');
  const [sentKey, setSentKey] = useState<string | null>(null);

  const list = projects.data ?? [];
  const project = list.find((p) => p.id === projectId);
  const choose = (p: ProjectItem) => {
    setProjectId(p.id);
    setRaw(formatPercentInput(startingBp(p)));
    setId(reportId(p.id, Date.now()));
  };
  const percent = parsePercent(raw);
  const evidence = evidenceHash(photos);
  const operation = useMemo(
    () => (projectId && percent.ok && evidence ? progressOperation(id, projectId, percent.value, evidence, fullNote(note, photos, lang)) : null),
    [projectId, id, raw, evidence, note, photos, lang],
  );
  const key = operation ? JSON.stringify(operation) : '';
  const settled = s.result !== null && s.result.outcome !== 'pending' && sentKey === key;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (s.busy || settled) return;
    const why = !projectId ? t('need_project') : !percent.ok ? t('bad_percent') : !evidence ? t('need_photo') : '';
    setProblem(why);
    if (why || !operation) return;
    setSentKey(key);
    await s.submit(operation);
  };
  const again = () => {
    s.reset();
    setPhotos([]);
    setNote('');
    setProblem('');
    setSentKey(null);
    if (projectId) setId(reportId(projectId, Date.now()));
    projects.reload();
  };

  return (
    <section class="progress-page">
      <h1>{t('title')}</h1>
      <form onSubmit={submit} noValidate class="progress-form">
        <fieldset class="progress-step">
          <legend>{t('step1')}</legend>
          {projects.loading && !projects.data && <Loading />}
          {projects.error != null && <ErrorState error={projects.error} onRetry={projects.reload} />}
          {projects.data && <ProjectPicker projects={list} chosen={projectId} onChoose={choose} />}
        </fieldset>
        <fieldset class="progress-step" disabled={!projectId}>
          <legend>{t('step2')}</legend>
          <PercentInput raw={raw} setRaw={setRaw} acceptedBp={project?.accepted_progress_bp ?? 0} />
        </fieldset>
        <fieldset class="progress-step" disabled={!projectId}>
          <legend>{t('step3')}</legend>
          <Photos photos={photos} setPhotos={setPhotos} />
        </fieldset>
        <fieldset class="progress-step" disabled={!projectId}>
          <legend>{t('step4')}</legend>
          <label class="progress-sr" for="progress-note">
            {t('note')}
          </label>
          <textarea id="progress-note" rows={3} placeholder={t('note_ph')} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </fieldset>
        {problem && (
          <p role="alert" class="progress-bad">
            {problem}
          </p>
        )}
        <button type="submit" class="btn btn-primary progress-submit" disabled={s.busy || settled} aria-busy={s.busy}>
          {s.busy ? t('submitting') : t('submit')}
        </button>
        <Result s={s} reportId={id} />
        {settled && (
          <button type="button" class="btn progress-submit" onClick={again}>
            {t('again')}
          </button>
        )}
      </form>
    </section>
  );
}
