// 项目: the project list with filters (department, programme, stage) kept in the hash query,
// and paging through the node's `next` cursor.
import { useState } from 'preact/hooks';
import { makeT, stageLabel, STAGES } from '../../i18n';
import { useSession } from '../../session';
import { ExportButtons } from '../../components/ExportButtons';
import { get } from '../../chain';
import { navigate } from '../../router';
import { useAsync } from '../../components/useAsync';
import { Empty, ErrorState, Loading, Money, Percent } from '../../components/ui';
import { qs, type Page, type ProjectSummary } from '../../components/records';

const t = makeT({
  zh: {
    title: '项目',
    filters: '筛选',
    department: '主管部门',
    programme: '所属计划',
    stage: '阶段',
    all: '全部',
    apply: '筛选',
    clear: '清除',
    id: '编号',
    name: '名称',
    budget: '预算',
    committed: '已承诺',
    disbursed: '已拨付',
    progress: '验收进度',
    next: '下一页',
    first: '第一页',
    empty: '没有符合条件的项目。',
    caption: '项目列表（金额单位：万元）',
    own_only: '业务部门只能查看本部门的项目。',
  },
  en: {
    title: 'Projects',
    filters: 'Filters',
    department: 'Department',
    programme: 'Programme',
    stage: 'Stage',
    all: 'All',
    apply: 'Filter',
    clear: 'Clear',
    id: 'ID',
    name: 'Name',
    budget: 'Budget',
    committed: 'Committed',
    disbursed: 'Disbursed',
    progress: 'Accepted progress',
    next: 'Next page',
    first: 'First page',
    empty: 'No project matches.',
    caption: 'Projects (amounts in ¥10k)',
    own_only: 'A line department sees its own projects only.',
  },
});

export function ProjectsPage({ query }: { query: Record<string, string> }) {
  const session = useSession();
  const me = session.me;
  const seesAll = me.reads_everything || me.department_kind === 'finance' || me.department_kind === 'planning';
  const [department, setDepartment] = useState(query.department ?? '');
  const [programme, setProgramme] = useState(query.programme ?? '');
  const [stage, setStage] = useState(query.stage ?? '');
  const after = query.after ?? '';
  const r = useAsync(
    () =>
      get<Page<ProjectSummary>>(
        session,
        `/v1/projects${qs({ department: seesAll ? query.department : undefined, programme: query.programme, stage: query.stage, after: query.after, limit: 50 })}`,
      ),
    [query.department, query.programme, query.stage, query.after],
  );
  const apply = (e: Event) => {
    e.preventDefault();
    navigate('/projects', { department: seesAll ? department.trim() : undefined, programme: programme.trim(), stage });
  };
  return (
    <div class="stack page">
      <div class="item-head">
        <h1>{t('title')}</h1>
        <ExportButtons session={session} table="projects" filters={{ department: seesAll ? query.department : undefined, programme: query.programme, stage: query.stage }} />
      </div>
      <form class="filters" onSubmit={apply} aria-label={t('filters')}>
        {seesAll ? (
          <label class="field">
            <span>{t('department')}</span>
            <input value={department} onInput={(e) => setDepartment(e.currentTarget.value)} placeholder="transport" />
          </label>
        ) : (
          <p class="muted">{t('own_only')}</p>
        )}
        <label class="field">
          <span>{t('programme')}</span>
          <input value={programme} onInput={(e) => setProgramme(e.currentTarget.value)} placeholder="SC-2026" />
        </label>
        <label class="field">
          <span>{t('stage')}</span>
          <select value={stage} onChange={(e) => setStage(e.currentTarget.value)}>
            <option value="">{t('all')}</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {stageLabel(s)}
              </option>
            ))}
          </select>
        </label>
        <div class="actions">
          <button type="submit" class="btn btn-primary">{t('apply')}</button>
          <button type="button" class="btn" onClick={() => { setDepartment(''); setProgramme(''); setStage(''); navigate('/projects'); }}>
            {t('clear')}
          </button>
        </div>
      </form>
      {r.loading && !r.data ? <Loading /> : r.error ? <ErrorState error={r.error} onRetry={r.reload} /> : !r.data || r.data.items.length === 0 ? <Empty>{t('empty')}</Empty> : (
        <>
          <div class="table-wrap">
            <table class="table">
              <caption>{t('caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('id')}</th>
                  <th scope="col">{t('name')}</th>
                  <th scope="col">{t('department')}</th>
                  <th scope="col">{t('stage')}</th>
                  <th scope="col" class="num">{t('budget')}</th>
                  <th scope="col" class="num">{t('committed')}</th>
                  <th scope="col" class="num">{t('disbursed')}</th>
                  <th scope="col" class="num">{t('progress')}</th>
                </tr>
              </thead>
              <tbody>
                {r.data.items.map((p) => (
                  <tr key={p.id}>
                    <td data-label={t('id')}><a href={`#/projects/${encodeURIComponent(p.id)}`}>{p.id}</a></td>
                    <td data-label={t('name')}>{p.name}</td>
                    <td data-label={t('department')}>{p.owner_department}</td>
                    <td data-label={t('stage')}><span class={`stage stage-${p.stage}`}>{stageLabel(p.stage)}</span></td>
                    <td data-label={t('budget')} class="num"><Money fen={p.budget_fen} /></td>
                    <td data-label={t('committed')} class="num"><Money fen={p.committed_fen} /></td>
                    <td data-label={t('disbursed')} class="num"><Money fen={p.disbursed_fen} /></td>
                    <td data-label={t('progress')} class="num"><Percent bp={p.accepted_progress_bp} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav class="actions" aria-label={t('next')}>
            {after && <a class="btn" href={`#/projects${qs({ department: query.department, programme: query.programme, stage: query.stage })}`}>{t('first')}</a>}
            {r.data.next && <a class="btn" href={`#/projects${qs({ department: query.department, programme: query.programme, stage: query.stage, after: r.data.next })}`}>{t('next')} →</a>}
          </nav>
        </>
      )}
    </div>
  );
}
