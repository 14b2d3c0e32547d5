// 甘特图 (#/gantt?programme=SC-2026 or ?department=transport): one row per project with its
// planned bar, change-order shift (hatched), accepted and reported progress, today line and
// red / yellow status, at day / week / month zoom; names stay visible while the chart scrolls
// sideways on phones; export as PNG. Geometry comes from layout.ts; this file only draws.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { makeT, stageLabel, useLang } from '../../i18n';
import { useSession, type Session } from '../../session';
import { get } from '../../chain';
import { navigate } from '../../router';
import { useAsync } from '../../components/useAsync';
import { Empty, ErrorState, Loading } from '../../components/ui';
import { bpText, dateText } from '../../components/format';
import { routeParams } from '../forms/params';
import { layoutGantt, monthCaption, sortForGantt, tickLabel, type GanttLayout, type GanttProject, type GanttRow, type GanttStatus, type Zoom } from './layout';
import { exportPng, shortName } from './exportPng';
import './gantt.css';

const t = makeT({
  zh: {
    title: '甘特图',
    programme: '专项 / 计划编号',
    department: '部门编号',
    show: '显示',
    zoom: '时间刻度',
    'zoom.day': '日',
    'zoom.week': '周',
    'zoom.month': '月',
    export: '导出 PNG',
    project: '项目',
    count: '共 {n} 个项目',
    pick: '请输入专项编号或部门编号。',
    'legend.planned': '计划工期',
    'legend.extension': '变更顺延',
    'legend.accepted': '已验收进度',
    'legend.reported': '已填报未验收',
    'legend.today': '今天',
    'status.overdue': '逾期',
    'status.behind': '进度落后 20 个百分点以上',
    'status.on_track': '正常',
    'status.not_started': '未开工',
    'status.done': '已完成',
    'status.stopped': '暂停/撤销',
    'status.undated': '无计划日期',
    'col.name': '项目',
    'col.stage': '阶段',
    'col.start': '计划开工',
    'col.end': '计划完工',
    'col.original_end': '原计划完工',
    'col.progress': '已验收 / 已填报',
    'col.status': '状态',
    bar: '{name}：{start} 至 {end}，已验收 {a}，已填报 {r}，{status}',
    no_dates: '项目列表中没有计划日期（需要节点在 /v1/projects 返回 planned_start_ms 等字段）',
  },
  en: {
    title: 'Gantt chart',
    programme: 'Programme id',
    department: 'Department id',
    show: 'Show',
    zoom: 'Scale',
    'zoom.day': 'Day',
    'zoom.week': 'Week',
    'zoom.month': 'Month',
    export: 'Export PNG',
    project: 'Project',
    count: '{n} projects',
    pick: 'Enter a programme or a department id.',
    'legend.planned': 'Planned',
    'legend.extension': 'Change-order extension',
    'legend.accepted': 'Accepted progress',
    'legend.reported': 'Reported, not yet accepted',
    'legend.today': 'Today',
    'status.overdue': 'Overdue',
    'status.behind': 'More than 20 points behind plan',
    'status.on_track': 'On track',
    'status.not_started': 'Not started',
    'status.done': 'Done',
    'status.stopped': 'Suspended / cancelled',
    'status.undated': 'No planned dates',
    'col.name': 'Project',
    'col.stage': 'Stage',
    'col.start': 'Planned start',
    'col.end': 'Planned end',
    'col.original_end': 'Original end',
    'col.progress': 'Accepted / reported',
    'col.status': 'Status',
    bar: '{name}: {start} to {end}, accepted {a}, reported {r}, {status}',
    no_dates: 'The project list has no planned dates (the node must return planned_start_ms etc. in /v1/projects)',
  },
});

/** Colours by status: bar outline and progress fill (AA contrast on white). */
export const STATUS_COLOR: Record<GanttStatus, string> = {
  overdue: '#b91c1c',
  behind: '#b45309',
  on_track: '#15803d',
  not_started: '#1d4ed8',
  done: '#475569',
  stopped: '#64748b',
  undated: '#94a3b8',
};
const NAME_W = 190;
const ZOOMS: Zoom[] = ['day', 'week', 'month'];

/** Every page of GET /v1/projects for the filter (500 a page, following `next`). */
async function loadAll(session: Session, filter: Record<string, string>): Promise<GanttProject[]> {
  const out: GanttProject[] = [];
  let after: string | null = null;
  for (let page = 0; page < 40; page++) {
    const q = new URLSearchParams({ ...filter, limit: '500' });
    if (after) q.set('after', after);
    const r: { items?: GanttProject[]; next?: string | null } = await get(session, `/v1/projects?${q}`);
    out.push(...(r.items ?? []));
    after = r.next ?? null;
    if (!after) break;
  }
  return out;
}

function Filter({ programme, department }: { programme: string; department: string }) {
  const [p, setP] = useState(programme);
  const [d, setD] = useState(department);
  return (
    <form class="gantt-filter" onSubmit={(e) => { e.preventDefault(); navigate('/gantt', { programme: p.trim(), department: d.trim() }); }}>
      <label>
        {t('programme')}
        <input type="text" value={p} onInput={(e) => setP(e.currentTarget.value)} placeholder="SC-2026" />
      </label>
      <label>
        {t('department')}
        <input type="text" value={d} onInput={(e) => setD(e.currentTarget.value)} placeholder="transport" />
      </label>
      <button type="submit" class="btn">{t('show')}</button>
    </form>
  );
}

function rowLabel(r: GanttRow): string {
  const p = r.project;
  return t('bar', {
    name: p.name,
    start: dateText(p.planned_start_ms ?? null),
    end: dateText(p.planned_end_ms ?? null),
    a: bpText(p.accepted_progress_bp ?? 0),
    r: bpText(p.reported_progress_bp ?? 0),
    status: t(`status.${r.status}`),
  });
}

function Defs() {
  return (
    <defs>
      <pattern id="gantt-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" fill="#fef3c7" />
        <line x1="0" y1="0" x2="0" y2="6" stroke="#b45309" stroke-width="2" />
      </pattern>
    </defs>
  );
}

function Bars({ r, h }: { r: GanttRow; h: number }) {
  const color = STATUS_COLOR[r.status];
  const y = r.y + (h - 20) / 2;
  return (
    <g>
      <title>{rowLabel(r)}</title>
      {r.planned && <rect x={r.planned.x} y={y} width={r.planned.width} height={20} rx={3} fill="#e2e8f0" stroke={color} stroke-width={1.5} />}
      {r.extension && <rect x={r.extension.x} y={y} width={r.extension.width} height={20} fill="url(#gantt-hatch)" stroke="#b45309" stroke-width={1} />}
      {r.reduction && <rect x={r.reduction.x} y={y} width={r.reduction.width} height={20} fill="none" stroke="#64748b" stroke-dasharray="3 3" />}
      {r.reported && <rect x={r.reported.x} y={y + 4} width={r.reported.width} height={12} fill={color} fill-opacity={0.3} />}
      {r.accepted && <rect x={r.accepted.x} y={y + 4} width={r.accepted.width} height={12} fill={color} />}
    </g>
  );
}

function Axis({ l, zoom, lang }: { l: GanttLayout; zoom: Zoom; lang: 'zh' | 'en' }) {
  return (
    <g font-size="11" fill="#334155">
      {l.ticks.map((tk) => (
        <g key={tk.ms}>
          <line x1={tk.x} x2={tk.x} y1={tk.major ? 0 : 22} y2={l.height} stroke={tk.major ? '#94a3b8' : '#e2e8f0'} />
          {tk.major && zoom !== 'month' && <text x={tk.x + 3} y={13} font-weight="600">{monthCaption(tk.ms, lang)}</text>}
          <text x={tk.x + 3} y={36}>{tickLabel(tk, zoom, lang)}</text>
        </g>
      ))}
    </g>
  );
}

function ChartSvg({ l, zoom, lang, svgRef }: { l: GanttLayout; zoom: Zoom; lang: 'zh' | 'en'; svgRef: { current: SVGSVGElement | null } }) {
  return (
    <svg ref={svgRef} class="gantt-chart" width={l.width} height={l.height} viewBox={`0 0 ${l.width} ${l.height}`} role="img" aria-label={t('title')}
      xmlns="http://www.w3.org/2000/svg" font-family="system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif">
      <Defs />
      <rect width={l.width} height={l.height} fill="#fff" />
      {l.rows.map((r, i) => i % 2 === 1 && <rect key={`z${i}`} x={0} y={r.y} width={l.width} height={l.rowHeight} fill="#f8fafc" />)}
      <Axis l={l} zoom={zoom} lang={lang} />
      {l.rows.map((r) => <Bars key={r.project.id} r={r} h={l.rowHeight} />)}
      {l.todayX !== null && (
        <g>
          <line x1={l.todayX} x2={l.todayX} y1={l.header - 4} y2={l.height} stroke="#dc2626" stroke-width={2} />
          <text x={l.todayX + 3} y={l.header - 6} font-size="11" fill="#b91c1c">{t('legend.today')}</text>
        </g>
      )}
    </svg>
  );
}

function NamesSvg({ l, svgRef }: { l: GanttLayout; svgRef: { current: SVGSVGElement | null } }) {
  return (
    <svg ref={svgRef} class="gantt-names" width={NAME_W} height={l.height} xmlns="http://www.w3.org/2000/svg" aria-hidden="true"
      font-family="system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif">
      <rect width={NAME_W} height={l.height} fill="#fff" />
      <text x={8} y={36} font-size="12" font-weight="600" fill="#0f172a">{t('project')}</text>
      {l.rows.map((r, i) => (
        <g key={r.project.id}>
          {i % 2 === 1 && <rect x={0} y={r.y} width={NAME_W} height={l.rowHeight} fill="#f8fafc" />}
          <circle cx={10} cy={r.y + l.rowHeight / 2} r={5} fill={STATUS_COLOR[r.status]} />
          <text x={20} y={r.y + l.rowHeight / 2 - 2} font-size="12" fill="#0f172a">{shortName(r.project.name, NAME_W - 26, 12)}</text>
          <text x={20} y={r.y + l.rowHeight / 2 + 11} font-size="10" fill="#475569">{shortName(r.project.id, NAME_W - 26, 10)}</text>
        </g>
      ))}
      <line x1={NAME_W - 0.5} x2={NAME_W - 0.5} y1={0} y2={l.height} stroke="#94a3b8" />
    </svg>
  );
}

function Legend() {
  const swatch = (fill: string, extra: Record<string, string | number> = {}) => (
    <svg width="22" height="12" aria-hidden="true"><rect width="22" height="12" fill={fill} {...extra} /></svg>
  );
  return (
    <ul class="gantt-legend">
      <li>{swatch('#e2e8f0', { stroke: '#15803d' })}{t('legend.planned')}</li>
      <li>
        <svg width="22" height="12" aria-hidden="true"><Defs /><rect width="22" height="12" fill="url(#gantt-hatch)" /></svg>
        {t('legend.extension')}
      </li>
      <li>{swatch('#15803d')}{t('legend.accepted')}</li>
      <li>{swatch('#15803d', { 'fill-opacity': 0.3 })}{t('legend.reported')}</li>
      {(['overdue', 'behind', 'on_track', 'done'] as GanttStatus[]).map((s) => (
        <li key={s}>
          <svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" fill={STATUS_COLOR[s]} /></svg>
          {t(`status.${s}`)}
        </li>
      ))}
    </ul>
  );
}

/** The same rows as a table, for screen readers (visually hidden). */
function RowsTable({ rows }: { rows: GanttRow[] }) {
  return (
    <div class="gantt-sr">
    <table>
      <caption>{t('title')}</caption>
      <thead>
        <tr>
          {['col.name', 'col.stage', 'col.start', 'col.end', 'col.original_end', 'col.progress', 'col.status'].map((k) => <th scope="col" key={k}>{t(k)}</th>)}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.project.id}>
            <th scope="row">{r.project.name}（{r.project.id}）</th>
            <td>{stageLabel(r.project.stage)}</td>
            <td>{dateText(r.project.planned_start_ms ?? null)}</td>
            <td>{dateText(r.project.planned_end_ms ?? null)}</td>
            <td>{dateText(r.project.original_planned_end_ms ?? null)}</td>
            <td>{bpText(r.project.accepted_progress_bp ?? 0)} / {bpText(r.project.reported_progress_bp ?? 0)}</td>
            <td>{t(`status.${r.status}`)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

function Chart({ projects, name }: { projects: GanttProject[]; name: string }) {
  const { lang } = useLang();
  const [zoom, setZoom] = useState<Zoom>('week');
  const chartRef = useRef<SVGSVGElement | null>(null);
  const namesRef = useRef<SVGSVGElement | null>(null);
  const layout = useMemo(() => layoutGantt(sortForGantt(projects), zoom, Date.now()), [projects, zoom]);
  const undated = layout.rows.every((r) => r.status === 'undated');
  const scrollRef = useRef<HTMLDivElement | null>(null);
  useEffect(() => {
    // start with today in view (a third from the left of the chart area)
    const el = scrollRef.current;
    if (el && layout.todayX !== null) el.scrollLeft = Math.max(0, layout.todayX - (el.clientWidth - NAME_W) / 3);
  }, [layout]);
  return (
    <>
      <div class="gantt-toolbar">
        <div role="group" aria-label={t('zoom')} class="gantt-zoom">
          {ZOOMS.map((z) => (
            <button key={z} type="button" class={`btn${z === zoom ? ' gantt-on' : ''}`} aria-pressed={z === zoom} onClick={() => setZoom(z)}>
              {t(`zoom.${z}`)}
            </button>
          ))}
        </div>
        <span class="gantt-count">{t('count', { n: projects.length })}</span>
        <button type="button" class="btn" onClick={() => namesRef.current && chartRef.current && exportPng(namesRef.current, chartRef.current, `gantt-${name || 'all'}.png`)}>
          {t('export')}
        </button>
      </div>
      {undated && <p class="gantt-warn">{t('no_dates')}</p>}
      <Legend />
      <div class="gantt-scroll" ref={scrollRef} tabIndex={0} aria-label={t('title')}>
        <div class="gantt-inner">
          <NamesSvg l={layout} svgRef={namesRef} />
          <ChartSvg l={layout} zoom={zoom} lang={lang} svgRef={chartRef} />
        </div>
      </div>
      <RowsTable rows={layout.rows} />
    </>
  );
}

export function GanttPage(props: { params?: Record<string, string> }) {
  const session = useSession();
  useLang();
  const params = routeParams(props.params);
  const programme = params.programme ?? '';
  const department = params.department ?? '';
  const filter: Record<string, string> = {};
  if (programme) filter.programme = programme;
  if (department) filter.department = department;
  const r = useAsync(() => loadAll(session, filter), [session, programme, department]);
  return (
    <section class="gantt-page">
      <h1>{t('title')}</h1>
      <Filter key={`${programme}|${department}`} programme={programme} department={department} />
      {r.loading && !r.data && <Loading />}
      {r.error != null && <ErrorState error={r.error} onRetry={r.reload} />}
      {r.data && r.data.length === 0 && <Empty />}
      {r.data && r.data.length > 0 && <Chart projects={r.data} name={programme || department} />}
    </section>
  );
}
