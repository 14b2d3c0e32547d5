// 仪表盘 (#/dashboard): what the reader may see of the consortium at a glance — projects by
// stage, budget execution rate by department and programme, on-time completion, rectifications,
// alerts by kind, departments ranked by quarterly health (单位考核), the quarter trend and the
// projects most at risk of delay (高风险项目, explained by the delay-risk model) — from
// GET /v1/dashboard (signed, scoped by the node). Every chart has a table with its numbers.
import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { alertLabel, makeT, stageLabel, STAGES, useLang } from '../../i18n';
import { useSession } from '../../session';
import { get } from '../../chain';
import { useAsync } from '../../components/useAsync';
import { ErrorState, Loading, Money } from '../../components/ui';
import { dateTimeText, bpText } from '../../components/format';
import { Chart, barsHeight } from './Chart';
import {
  alertsOption,
  executionOption,
  onTimeOption,
  rankingOption,
  rectificationOption,
  stageOption,
  trendOption,
  type ChartWords,
} from './charts';
import { alertEntries, normalizeDashboard, quarterLabel, stageEntries, totals, type Dashboard, type RiskRow } from './data';
import './dashboard.css';

const t = makeT({
  zh: {
    title: '仪表盘',
    as_of: '数据截至 {time}（区块高度 {height}）',
    reload: '刷新',
    'kpi.projects': '项目总数',
    'kpi.budget': '批复预算',
    'kpi.disbursed': '已拨付',
    'kpi.execution': '预算执行率',
    'kpi.on_time': '按期完成率',
    'kpi.rect': '整改（未销号 / 逾期）',
    'card.stages': '项目阶段分布',
    'card.exec_dept': '各部门预算执行率',
    'card.exec_prog': '各专项预算执行率',
    'card.on_time': '按期完成率',
    'card.rect': '整改情况',
    'card.alerts': '预警分类',
    'card.ranking': '单位考核排名（本季度平均健康度）',
    'card.trend': '季度趋势',
    'card.risk': '高风险项目（延期风险预测）',
    'col.project': '项目',
    'col.risk': '延期概率',
    'col.level': '风险',
    'col.why': '主要因素',
    'level.high': '高',
    'level.medium': '中',
    'level.low': '低',
    'note.risk': '由可解释模型 {version} 依据链上记录计算（模型文件 SM3 {sm3}…）：概率指按原计划工期完工前未能通过验收的可能性。',
    no_risk: '暂无已签约或实施中的项目。',
    no_flagged: '当前没有中、高风险项目（最高延期概率 {max}）。',
    top: '延期概率最高的项目（前 10）',
    more: '仅显示延期概率最高的 10 个项目；完整名单见 GET /v1/risk。',
    table: '查看数据表',
    empty: '暂无数据',
    'col.stage': '阶段',
    'col.count': '数量',
    'col.department': '部门',
    'col.programme': '专项',
    'col.projects': '项目数',
    'col.budget': '预算',
    'col.disbursed': '已拨付',
    'col.execution': '执行率',
    'col.completed': '已完成',
    'col.on_time': '按期完成',
    'col.on_time_rate': '按期率',
    'col.kind': '预警类型',
    'col.status': '状态',
    'col.rank': '名次',
    'col.health': '健康度',
    'col.quarter': '季度',
    execution: '执行率',
    on_time: '按期完成率',
    health: '平均健康度',
    health_axis: '健康度',
    scored_axis: '项目数',
    scored: '已评分项目',
    'col.scored': '评分项目数',
    rect_open: '待整改',
    rect_overdue: '已逾期',
    rect_submitted: '待核验',
    rect_closed: '已销号',
    'note.exec': '执行率 = 已拨付 ÷ 批复预算',
    'note.health': '健康度由进度偏差、成本偏差、逾期事项和整改完成情况计算，满分 100。',
    no_programme: '（未归入专项）',
  },
  en: {
    title: 'Dashboard',
    as_of: 'As of {time} (height {height})',
    reload: 'Refresh',
    'kpi.projects': 'Projects',
    'kpi.budget': 'Approved budget',
    'kpi.disbursed': 'Disbursed',
    'kpi.execution': 'Budget execution',
    'kpi.on_time': 'Completed on time',
    'kpi.rect': 'Rectifications (open / overdue)',
    'card.stages': 'Projects by stage',
    'card.exec_dept': 'Budget execution by department',
    'card.exec_prog': 'Budget execution by programme',
    'card.on_time': 'On-time completion',
    'card.rect': 'Rectifications',
    'card.alerts': 'Alerts by kind',
    'card.ranking': 'Departments by average health this quarter',
    'card.trend': 'Quarter trend',
    'card.risk': 'Projects at risk of delay (prediction)',
    'col.project': 'Project',
    'col.risk': 'Probability late',
    'col.level': 'Risk',
    'col.why': 'Main factors',
    'level.high': 'High',
    'level.medium': 'Medium',
    'level.low': 'Low',
    'note.risk': 'Computed from the ledger by the explainable model {version} (model file SM3 {sm3}…): the probability of not passing acceptance by the originally planned end.',
    no_risk: 'No contracted or in-progress projects.',
    no_flagged: 'No project at medium or high risk (the highest probability of delay is {max}).',
    top: 'The ten projects most likely to be late',
    more: 'Only the ten most likely to be late are shown; the full list is GET /v1/risk.',
    table: 'Show the numbers',
    empty: 'No data',
    'col.stage': 'Stage',
    'col.count': 'Count',
    'col.department': 'Department',
    'col.programme': 'Programme',
    'col.projects': 'Projects',
    'col.budget': 'Budget',
    'col.disbursed': 'Disbursed',
    'col.execution': 'Execution',
    'col.completed': 'Completed',
    'col.on_time': 'On time',
    'col.on_time_rate': 'On-time rate',
    'col.kind': 'Alert',
    'col.status': 'Status',
    'col.rank': 'Rank',
    'col.health': 'Health',
    'col.quarter': 'Quarter',
    execution: 'Execution',
    on_time: 'On time',
    health: 'Average health',
    health_axis: 'Health',
    scored_axis: 'Projects',
    scored: 'Projects scored',
    'col.scored': 'Projects scored',
    rect_open: 'Open',
    rect_overdue: 'Overdue',
    rect_submitted: 'Awaiting verification',
    rect_closed: 'Closed',
    'note.exec': 'Execution = disbursed ÷ approved budget',
    'note.health': 'Health combines schedule and cost variance, overdue items and rectification compliance (out of 100).',
    no_programme: '(no programme)',
  },
});

function Card({ title, wide, children }: { title: string; wide?: boolean; children: ComponentChildren }) {
  return (
    <section class={`dashboard-card${wide ? ' dashboard-card-wide' : ''}`} aria-label={title}>
      <h2 class="dashboard-card-title">{title}</h2>
      {children}
    </section>
  );
}

/** The numbers of a chart, for screen readers and for anyone who wants them exactly. */
function DataTable({ caption, head, rows }: { caption: string; head: string[]; rows: ComponentChildren[][] }) {
  if (rows.length === 0) return <p class="dashboard-empty">{t('empty')}</p>;
  return (
    <details class="dashboard-table">
      <summary>{t('table')}</summary>
      <div class="dashboard-table-scroll">
        <table>
          <caption class="dashboard-sr">{caption}</caption>
          <thead>
            <tr>
              {head.map((h) => (
                <th scope="col" key={h}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                {r.map((c, j) => (j === 0 ? <th scope="row">{c}</th> : <td>{c}</td>))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function Kpis({ d }: { d: Dashboard }) {
  const tot = totals(d);
  const items: [string, ComponentChildren][] = [
    [t('kpi.projects'), d.projects.total],
    [t('kpi.budget'), <Money fen={tot.budget_fen} />],
    [t('kpi.disbursed'), <Money fen={tot.disbursed_fen} />],
    [t('kpi.execution'), bpText(tot.execution_bp)],
    [t('kpi.on_time'), tot.completed > 0 ? bpText(tot.on_time_bp) : '—'],
    [t('kpi.rect'), `${d.rectifications.open + d.rectifications.submitted} / ${d.rectifications.overdue}`],
  ];
  return (
    <dl class="dashboard-kpis">
      {items.map(([label, value]) => (
        <div class="dashboard-kpi" key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Rows of projects with their delay risk, each linked to its page. */
function RiskTable({ rows, lang }: { rows: RiskRow[]; lang: 'zh' | 'en' }) {
  return (
    <div class="table-wrap">
      <table class="table risk-ranking">
        <thead>
          <tr>
            <th scope="col">{t('col.project')}</th>
            <th scope="col">{t('col.department')}</th>
            <th scope="col" class="num">{t('col.risk')}</th>
            <th scope="col">{t('col.why')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.project}>
              <th scope="row" data-label={t('col.project')}>
                <a href={`#/projects/${encodeURIComponent(r.project)}`}>{r.name}</a> <span class="muted">{r.project}</span>
              </th>
              <td data-label={t('col.department')}>{r.department}</td>
              <td class="num" data-label={t('col.risk')}>
                {bpText(r.probability_bp)} <span class={`risk risk-${r.level}`}>{t(`level.${r.level}`)}</span>
              </td>
              <td data-label={t('col.why')}>{lang === 'zh' ? r.summary_zh.replace(/^[^：]*：/, '') : r.summary_en.replace(/^[^:]*: /, '')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** 高风险项目: the readable scored projects at medium or high delay risk; the top ten behind a toggle. */
function RiskCard({ d, lang }: { d: Dashboard; lang: 'zh' | 'en' }) {
  const flagged = d.risk_ranking.filter((r) => r.level !== 'low');
  return (
    <Card title={t('card.risk')} wide>
      {flagged.length > 0 ? (
        <>
          <RiskTable rows={flagged} lang={lang} />
          {flagged.length >= 10 && <p class="dashboard-note">{t('more')}</p>}
        </>
      ) : (
        <p class="dashboard-empty">{d.risk_ranking.length === 0 ? t('no_risk') : t('no_flagged', { max: bpText(d.risk_ranking[0].probability_bp) })}</p>
      )}
      {d.risk_ranking.length > 0 && (
        <details class="dashboard-table risk-top">
          <summary>{t('top')}</summary>
          <RiskTable rows={d.risk_ranking} lang={lang} />
        </details>
      )}
      {d.risk_model && <p class="dashboard-note">{t('note.risk', { version: d.risk_model.version, sm3: d.risk_model.sm3.slice(0, 12) })}</p>}
    </Card>
  );
}

function Cards({ d, words }: { d: Dashboard; words: ChartWords }) {
  const deptRows = d.departments.map((x) => ({ label: x.name, execution_bp: x.execution_bp }));
  const progRows = d.programmes.map((x) => ({ label: x.id === '—' ? t('no_programme') : x.id, execution_bp: x.execution_bp }));
  const stages = stageEntries(d.projects.by_stage, STAGES);
  const alerts = alertEntries(d.alerts_by_kind);
  const r = d.rectifications;
  const opts = useMemo(
    () => ({
      stage: stageOption(d, words, STAGES),
      dept: executionOption(deptRows, words),
      prog: executionOption(progRows, words),
      onTime: onTimeOption(d, words),
      rect: rectificationOption(d, words),
      alerts: alertsOption(d, words),
      ranking: rankingOption(d, words),
      trend: trendOption(d, words),
    }),
    [d, words.lang],
  );
  return (
    <div class="dashboard-grid">
      <RiskCard d={d} lang={words.lang} />
      <Card title={t('card.stages')}>
        {stages.length > 0 && <Chart option={opts.stage} height={280} />}
        <DataTable caption={t('card.stages')} head={[t('col.stage'), t('col.count')]} rows={stages.map(([s, c]) => [stageLabel(s), c])} />
      </Card>
      <Card title={t('card.exec_dept')}>
        {deptRows.length > 0 && <Chart option={opts.dept} height={barsHeight(deptRows.length)} />}
        <p class="dashboard-note">{t('note.exec')}</p>
        <DataTable
          caption={t('card.exec_dept')}
          head={[t('col.department'), t('col.projects'), t('col.budget'), t('col.disbursed'), t('col.execution')]}
          rows={d.departments.map((x) => [x.name, x.projects, <Money fen={x.budget_fen} />, <Money fen={x.disbursed_fen} />, bpText(x.execution_bp)])}
        />
      </Card>
      <Card title={t('card.exec_prog')}>
        {progRows.length > 0 && <Chart option={opts.prog} height={barsHeight(progRows.length)} />}
        <DataTable
          caption={t('card.exec_prog')}
          head={[t('col.programme'), t('col.projects'), t('col.budget'), t('col.disbursed'), t('col.execution')]}
          rows={d.programmes.map((x, i) => [progRows[i].label, x.projects, <Money fen={x.budget_fen} />, <Money fen={x.disbursed_fen} />, bpText(x.execution_bp)])}
        />
      </Card>
      <Card title={t('card.on_time')}>
        {d.departments.some((x) => x.completed > 0) && <Chart option={opts.onTime} height={barsHeight(d.departments.filter((x) => x.completed > 0).length)} />}
        <DataTable
          caption={t('card.on_time')}
          head={[t('col.department'), t('col.completed'), t('col.on_time'), t('col.on_time_rate')]}
          rows={d.departments.map((x) => [x.name, x.completed, x.completed_on_time, x.completed > 0 ? bpText(x.on_time_bp) : '—'])}
        />
      </Card>
      <Card title={t('card.rect')}>
        <Chart option={opts.rect} height={220} />
        <DataTable
          caption={t('card.rect')}
          head={[t('col.status'), t('col.count')]}
          rows={[
            [t('rect_open'), r.open],
            [t('rect_overdue'), r.overdue],
            [t('rect_submitted'), r.submitted],
            [t('rect_closed'), r.closed],
          ]}
        />
      </Card>
      <Card title={t('card.alerts')}>
        {alerts.length > 0 && <Chart option={opts.alerts} height={barsHeight(alerts.length)} />}
        <DataTable caption={t('card.alerts')} head={[t('col.kind'), t('col.count')]} rows={alerts.map(([k, c]) => [alertLabel(k), c])} />
      </Card>
      <Card title={t('card.ranking')} wide>
        {d.ranking.length > 0 && <Chart option={opts.ranking} height={barsHeight(d.ranking.length)} />}
        <p class="dashboard-note">{t('note.health')}</p>
        <DataTable
          caption={t('card.ranking')}
          head={[t('col.rank'), t('col.department'), t('col.health')]}
          rows={d.ranking.map((x) => [x.rank, x.name, x.health_avg_bp === null ? '—' : (x.health_avg_bp / 100).toFixed(1)])}
        />
      </Card>
      <Card title={t('card.trend')} wide>
        {d.quarters.length > 0 && <Chart option={opts.trend} height={280} />}
        <DataTable
          caption={t('card.trend')}
          head={[t('col.quarter'), t('col.health'), t('col.scored')]}
          rows={d.quarters.map((q) => [quarterLabel(q.quarter, words.lang), q.health_avg_bp === null ? '—' : (q.health_avg_bp / 100).toFixed(1), q.projects_scored])}
        />
      </Card>
    </div>
  );
}

export function DashboardPage(_props: { params?: Record<string, string> }) {
  const session = useSession();
  const { lang } = useLang();
  const r = useAsync(async () => normalizeDashboard(await get<unknown>(session, '/v1/dashboard')), [session]);
  const words: ChartWords = useMemo(() => ({ lang, stage: stageLabel, alert: alertLabel, t }), [lang]);
  return (
    <section class="dashboard">
      <header class="dashboard-head">
        <h1>{t('title')}</h1>
        {r.data && r.data.as_of_ms !== null && (
          <p class="dashboard-asof">{t('as_of', { time: dateTimeText(r.data.as_of_ms), height: r.data.height ?? '—' })}</p>
        )}
        <button type="button" class="btn dashboard-reload" onClick={r.reload} disabled={r.loading}>
          {t('reload')}
        </button>
      </header>
      {r.loading && !r.data && <Loading />}
      {r.error != null && <ErrorState error={r.error} onRetry={r.reload} />}
      {r.data && (
        <>
          <Kpis d={r.data} />
          <Cards d={r.data} words={words} />
        </>
      )}
    </section>
  );
}
