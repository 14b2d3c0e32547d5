// 项目详情 `#/projects/:id`: header facts, budget vs actual bars, quarterly health score with
// its components explained, the delay-risk prediction with its factors, lifecycle timeline (each change linked to its transaction with a
// verify button), contracts and milestones, change orders, alerts, open requests and rejected
// attempts (for audit / discipline inspection).
import { alertLabel, makeT, opLabel, stageLabel } from '../../i18n';
import { useSession } from '../../session';
import { get } from '../../chain';
import { useAsync } from '../../components/useAsync';
import { Bar, Empty, ErrorState, Hex, Loading, Money, Percent, When } from '../../components/ui';
import { bpText, dateText } from '../../components/format';
import type { HealthPart, HistoryEntry, ProjectView } from '../../components/records';
import { alertText } from '../../components/alertText';
import { VerifyButton } from './Verify';
import { ReviewCard, reviewsProgress } from './ReviewCard';
import { RiskCard } from './RiskCard';

const t = makeT({
  zh: {
    back: '← 返回项目列表',
    facts: '基本信息',
    department: '主管部门',
    programme: '所属计划',
    category: '类别',
    location: '地点',
    stage: '阶段',
    planned: '计划工期',
    original_end: '（原计划完工 {date}）',
    stage_reason: '阶段说明',
    money: '预算与执行',
    budget: '批复预算',
    committed: '已承诺（合同）',
    disbursed: '已拨付',
    payable: '按验收进度可拨付',
    unpaid: '已批准未支付',
    use: '预算使用 {pct}',
    progress: '进度：已验收 {a}，已填报 {r}',
    lines: '预算明细',
    code: '科目',
    line_name: '名称',
    amount: '金额',
    health: '季度健康度 {q}',
    health_total: '综合得分 {score}',
    part: '维度',
    score: '得分',
    weight: '权重',
    why: '说明',
    'part.schedule': '进度偏差',
    'part.cost': '成本偏差',
    'part.overdue': '逾期事项',
    'part.rectification': '整改完成率',
    no_health: '本季度尚无健康度评分。',
    timeline: '生命周期（每项变更均可验证上链）',
    action: '事项',
    when: '时间',
    tx: '交易',
    height: '区块高度 {h}',
    contracts: '合同与付款节点',
    contractor: '承包方',
    contract_amount: '合同金额',
    original_amount: '原合同金额',
    paid: '已付',
    milestone: '付款节点',
    due: '到期',
    original_due: '原定到期',
    needs: '需验收进度',
    share: '付款比例',
    reached: '达成',
    not_reached: '未达成',
    change_orders: '变更记录',
    no_change_orders: '无变更。',
    alerts: '预警',
    no_alerts: '无预警。',
    requests: '待审批申请',
    no_requests: '无待审批申请。',
    rejections: '被拒绝的操作（供审计、纪检查阅）',
    no_rejections: '无被拒绝的操作。',
    signer: '提交部门',
    code_reason: '拒绝原因',
    none: '—',
  },
  en: {
    back: '← Back to projects',
    facts: 'Facts',
    department: 'Department',
    programme: 'Programme',
    category: 'Category',
    location: 'Location',
    stage: 'Stage',
    planned: 'Planned',
    original_end: '(originally ending {date})',
    stage_reason: 'Stage note',
    money: 'Budget and spending',
    budget: 'Approved budget',
    committed: 'Committed (contracts)',
    disbursed: 'Disbursed',
    payable: 'Payable by accepted progress',
    unpaid: 'Approved, unpaid',
    use: 'Budget use {pct}',
    progress: 'Progress: {a} accepted, {r} reported',
    lines: 'Budget lines',
    code: 'Code',
    line_name: 'Name',
    amount: 'Amount',
    health: 'Health in {q}',
    health_total: 'Overall score {score}',
    part: 'Component',
    score: 'Score',
    weight: 'Weight',
    why: 'Why',
    'part.schedule': 'Schedule variance',
    'part.cost': 'Cost variance',
    'part.overdue': 'Overdue items',
    'part.rectification': 'Rectification compliance',
    no_health: 'No health score this quarter yet.',
    timeline: 'Lifecycle (every change verifiable on the ledger)',
    action: 'Action',
    when: 'When',
    tx: 'Transaction',
    height: 'height {h}',
    contracts: 'Contracts and payment milestones',
    contractor: 'Contractor',
    contract_amount: 'Contract amount',
    original_amount: 'Original amount',
    paid: 'Paid',
    milestone: 'Milestone',
    due: 'Due',
    original_due: 'Originally due',
    needs: 'Needs accepted progress',
    share: 'Payment share',
    reached: 'Reached',
    not_reached: 'Not reached',
    change_orders: 'Change orders',
    no_change_orders: 'No change orders.',
    alerts: 'Alerts',
    no_alerts: 'No alerts.',
    requests: 'Open requests',
    no_requests: 'No open requests.',
    rejections: 'Rejected attempts (for audit and discipline inspection)',
    no_rejections: 'No rejected attempts.',
    signer: 'Submitted by',
    code_reason: 'Reason',
    none: '—',
  },
});

const PARTS = ['schedule', 'cost', 'overdue', 'rectification'] as const;

function byTime(a: HistoryEntry, b: HistoryEntry) {
  return a.height - b.height || a.time_ms - b.time_ms;
}

function HealthTable({ view }: { view: ProjectView }) {
  const h = view.health;
  if (!h) return <Empty>{t('no_health')}</Empty>;
  return (
    <>
      <p class="health-total">
        <strong>{t('health_total', { score: bpText(h.score_bp) })}</strong>
      </p>
      <div class="table-wrap">
        <table class="table">
          <thead>
            <tr>
              <th scope="col">{t('part')}</th>
              <th scope="col" class="num">{t('score')}</th>
              <th scope="col" class="num">{t('weight')}</th>
              <th scope="col">{t('why')}</th>
            </tr>
          </thead>
          <tbody>
            {PARTS.map((p) => {
              const part = h[p] as HealthPart;
              return (
                <tr key={p}>
                  <th scope="row" data-label={t('part')}>{t(`part.${p}`)}</th>
                  <td class="num" data-label={t('score')}>{bpText(part.score_bp)}</td>
                  <td class="num" data-label={t('weight')}>{bpText(part.weight_bp)}</td>
                  <td data-label={t('why')}>{part.explanation}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function ProjectPage({ id }: { id: string }) {
  const session = useSession();
  const r = useAsync(() => get<ProjectView>(session, `/v1/projects/${encodeURIComponent(id)}`), [id]);
  if (r.loading && !r.data) return <Loading />;
  if (r.error || !r.data) return <ErrorState error={r.error} onRetry={r.reload} />;
  const v = r.data;
  const p = v.project;
  const tot = v.totals;
  const history = [...v.history.items].sort(byTime);
  const changeOrders = history.filter((h) => h.action === 'request_change_order' || h.action === 'adjust_budget');
  const max = Math.max(tot.budget_fen, tot.committed_fen, tot.disbursed_fen, 1);
  return (
    <div class="stack page">
      <a href="#/projects">{t('back')}</a>
      <header class="project-head">
        <h1>{p.name}</h1>
        <p class="muted">
          {p.id} · <span class={`stage stage-${p.stage}`}>{stageLabel(p.stage)}</span>
        </p>
      </header>

      {reviewsProgress(session, v) && <ReviewCard session={session} view={v} onDone={r.reload} />}

      <section class="card" aria-labelledby="p-facts">
        <h2 id="p-facts">{t('facts')}</h2>
        <dl class="facts facts-grid">
          <dt>{t('department')}</dt>
          <dd>{p.owner_department}</dd>
          <dt>{t('programme')}</dt>
          <dd>{p.programme ?? t('none')}</dd>
          <dt>{t('category')}</dt>
          <dd>{p.category}</dd>
          <dt>{t('location')}</dt>
          <dd>{p.location}</dd>
          <dt>{t('planned')}</dt>
          <dd>
            <When ms={p.planned_start_ms} /> – <When ms={p.planned_end_ms} />{' '}
            {p.original_planned_end_ms !== p.planned_end_ms && <span class="muted">{t('original_end', { date: dateText(p.original_planned_end_ms) })}</span>}
          </dd>
          {p.stage_reason && (
            <>
              <dt>{t('stage_reason')}</dt>
              <dd>{p.stage_reason}</dd>
            </>
          )}
        </dl>
      </section>

      <section class="card stack" aria-labelledby="p-money">
        <h2 id="p-money">{t('money')}</h2>
        <p>
          {t('use', { pct: bpText(tot.budget_use_bp) })} · {t('progress', { a: bpText(tot.accepted_progress_bp), r: bpText(tot.reported_progress_bp) })}
        </p>
        <Bar label={t('budget')} value={tot.budget_fen} max={max} tone="grey"><Money fen={tot.budget_fen} /></Bar>
        <Bar label={t('committed')} value={tot.committed_fen} max={max} tone={tot.committed_fen > tot.budget_fen ? 'red' : 'blue'}><Money fen={tot.committed_fen} /></Bar>
        <Bar label={t('disbursed')} value={tot.disbursed_fen} max={max} tone={tot.disbursed_fen > tot.payable_fen ? 'amber' : 'green'}><Money fen={tot.disbursed_fen} /></Bar>
        <Bar label={t('payable')} value={tot.payable_fen} max={max} tone="green"><Money fen={tot.payable_fen} /> (<Percent bp={tot.payable_bp} />)</Bar>
        {tot.approved_unpaid_fen > 0 && (
          <p>
            {t('unpaid')}: <Money fen={tot.approved_unpaid_fen} />
          </p>
        )}
        {p.budget && p.budget.lines.length > 0 && (
          <div class="table-wrap">
            <table class="table">
              <caption>{t('lines')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('code')}</th>
                  <th scope="col">{t('line_name')}</th>
                  <th scope="col" class="num">{t('amount')}</th>
                </tr>
              </thead>
              <tbody>
                {p.budget.lines.map((l) => (
                  <tr key={l.code}>
                    <td data-label={t('code')}>{l.code}</td>
                    <td data-label={t('line_name')}>{l.name}</td>
                    <td class="num" data-label={t('amount')}><Money fen={l.amount_fen} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="card stack" aria-labelledby="p-health">
        <h2 id="p-health">{t('health', { q: v.health?.quarter_label ?? '' })}</h2>
        <HealthTable view={v} />
      </section>

      <RiskCard session={session} id={p.id} />

      <section class="card stack" aria-labelledby="p-timeline">
        <h2 id="p-timeline">{t('timeline')}</h2>
        {history.length === 0 ? <Empty /> : (
          <ol class="timeline">
            {history.map((h) => (
              <li key={h.tx + h.action}>
                <div class="timeline-head">
                  <strong>{opLabel(h.action)}</strong>
                  <When ms={h.time_ms} time />
                </div>
                <p>{h.summary}</p>
                <p class="muted timeline-tx">
                  {t('tx')} <Hex value={h.tx} /> · {t('height', { h: h.height })} <VerifyButton session={session} hash={h.tx} />
                </p>
              </li>
            ))}
          </ol>
        )}
        {v.history.next && <p class="muted">…</p>}
      </section>

      <section class="card stack" aria-labelledby="p-contracts">
        <h2 id="p-contracts">{t('contracts')}</h2>
        {v.contracts.length === 0 ? <Empty /> : v.contracts.map((c) => (
          <div key={c.id} class="stack">
            <h3>{c.id} · {c.contractor.name} <span class="muted">({c.contractor.credit_code})</span></h3>
            <p>
              {t('contract_amount')} <Money fen={c.amount_fen} />
              {c.original_amount_fen !== c.amount_fen && <> · {t('original_amount')} <Money fen={c.original_amount_fen} /></>} · {t('paid')} <Money fen={c.paid_fen} />
            </p>
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">{t('milestone')}</th>
                    <th scope="col">{t('due')}</th>
                    <th scope="col" class="num">{t('needs')}</th>
                    <th scope="col" class="num">{t('share')}</th>
                    <th scope="col">{t('reached')}</th>
                  </tr>
                </thead>
                <tbody>
                  {c.milestones.map((m, i) => (
                    <tr key={i}>
                      <td data-label={t('milestone')}>{m.milestone.name}</td>
                      <td data-label={t('due')}>
                        <When ms={m.milestone.due_ms} />
                        {m.original_due_ms !== m.milestone.due_ms && <span class="muted"> ({t('original_due')} <When ms={m.original_due_ms} />)</span>}
                      </td>
                      <td class="num" data-label={t('needs')}><Percent bp={m.milestone.progress_bp} /></td>
                      <td class="num" data-label={t('share')}><Percent bp={m.milestone.share_bp} /></td>
                      <td data-label={t('reached')}>{m.reached_ms ? <>✔ <When ms={m.reached_ms} /></> : t('not_reached')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        ))}
      </section>

      <section class="card stack" aria-labelledby="p-changes">
        <h2 id="p-changes">{t('change_orders')}</h2>
        {changeOrders.length === 0 ? <Empty>{t('no_change_orders')}</Empty> : (
          <ul class="plain">
            {changeOrders.map((h) => (
              <li key={h.tx}>
                <When ms={h.time_ms} /> · {opLabel(h.action)}: {h.summary}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="card stack" aria-labelledby="p-alerts">
        <h2 id="p-alerts">{t('alerts')}</h2>
        {v.alerts.items.length === 0 ? <Empty>{t('no_alerts')}</Empty> : (
          <ul class="plain">
            {v.alerts.items.map((a, i) => (
              <li key={i}>
                <strong>⚠ {alertLabel(a.kind.alert)}</strong> · <When ms={a.time_ms} /> — {alertText(a)}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="card stack" aria-labelledby="p-requests">
        <h2 id="p-requests">{t('requests')}</h2>
        {v.open_requests.items.length === 0 ? <Empty>{t('no_requests')}</Empty> : (
          <ul class="plain">
            {v.open_requests.items.map((q) => (
              <li key={q.hash}>
                {opLabel(q.kind)} · <Money fen={q.amount_fen} /> · <When ms={q.opened_ms} /> — {q.policy_description}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="card stack" aria-labelledby="p-rejections">
        <h2 id="p-rejections">{t('rejections')}</h2>
        {v.rejections.items.length === 0 ? <Empty>{t('no_rejections')}</Empty> : (
          <ul class="plain">
            {v.rejections.items.map((x) => (
              <li key={x.tx}>
                <strong>✘ {opLabel(x.kind)}</strong> · <When ms={x.time_ms} time /> · {t('signer')} {x.signer_department} <Hex value={x.signer} />
                <br />
                {t('code_reason')}: <code>{x.rejection.code}</code> {x.rejection.reason ?? x.alert?.message ?? ''} · {t('tx')} <Hex value={x.tx} />{' '}
                <VerifyButton session={session} hash={x.tx} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
