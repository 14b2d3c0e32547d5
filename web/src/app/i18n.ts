// Language switching (zh-CN first, English second) and the shared dictionary of labels every
// page uses: record stages, roles, department kinds, operation kinds, alert kinds, statuses.
// Each page keeps its own dictionary and builds its `t` with `makeT`.
import { useEffect, useState } from 'preact/hooks';

export type Lang = 'zh' | 'en';
export interface Dict {
  zh: Record<string, string>;
  en: Record<string, string>;
}
export type Vars = Record<string, string | number>;
export type T = (key: string, vars?: Vars) => string;

const STORAGE_KEY = 'gongxin.lang';

function initialLang(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved === 'zh' || saved === 'en') return saved;
  } catch {
    // storage may be unavailable (private mode); zh is the default
  }
  return 'zh';
}

let current: Lang = initialLang();
const listeners = new Set<(l: Lang) => void>();

/** The language in use now. */
export function getLang(): Lang {
  return current;
}

/** Switch language for the whole console (remembered on this device). */
export function setLang(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered; still switched
  }
  if (typeof document !== 'undefined') document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const l of listeners) l(lang);
}

/** The current language and a setter; the component re-renders when it changes. */
export function useLang(): { lang: Lang; setLang: (l: Lang) => void } {
  const [lang, set] = useState<Lang>(current);
  useEffect(() => {
    listeners.add(set);
    set(current);
    return () => {
      listeners.delete(set);
    };
  }, []);
  return { lang, setLang };
}

/** Replace `{name}` placeholders by `vars.name`. */
export function interpolate(text: string, vars?: Vars): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/**
 * A translator for one dictionary: `t(key, vars?)` in the current language, falling back to
 * zh, then to the shared dictionary, then to the key itself (so a missing entry is visible).
 */
export function makeT(dict: Dict): T {
  return (key, vars) => {
    const text = dict[current][key] ?? common[current][key] ?? dict.zh[key] ?? common.zh[key] ?? key;
    return interpolate(text, vars);
  };
}

/** Labels shared across pages: prefixes `stage.`, `role.`, `dept_kind.`, `op.`, `alert.`, … */
export const common: Dict = {
  zh: {
    'app.title': '公信链 · 部门工作台',
    'stage.proposed': '已申报',
    'stage.approved': '已立项',
    'stage.budgeted': '预算已批复',
    'stage.procurement': '招标采购中',
    'stage.contracted': '已签合同',
    'stage.in_progress': '实施中',
    'stage.acceptance_requested': '验收申请中',
    'stage.accepted': '已验收',
    'stage.evaluated': '已后评价',
    'stage.closed': '已关闭',
    'stage.suspended': '已暂停',
    'stage.cancelled': '已撤销',
    'role.director': '局长',
    'role.section_chief': '科长',
    'role.specialist': '专员',
    'role.auditor': '审计员',
    'dept_kind.finance': '财政部门',
    'dept_kind.audit': '审计/纪检',
    'dept_kind.line': '业务主管部门',
    'dept_kind.planning': '发改/规划部门',
    'dept_sel.project_owner': '项目主管部门',
    'op.add_member': '添加成员',
    'op.remove_member': '移除成员',
    'op.rotate_member_key': '更换成员密钥',
    'op.approve': '审批同意',
    'op.refuse': '审批驳回',
    'op.propose_governance': '发起治理提案',
    'op.vote_governance': '治理投票',
    'op.propose_project': '项目申报',
    'op.approve_project': '项目立项',
    'op.approve_budget': '预算批复',
    'op.adjust_budget': '预算调整',
    'op.start_procurement': '启动招标采购',
    'op.award_procurement': '确定中标',
    'op.sign_contract': '签订合同',
    'op.start_implementation': '开工实施',
    'op.request_change_order': '申请变更',
    'op.report_progress': '进度填报',
    'op.review_progress': '进度审核',
    'op.request_disbursement': '申请资金拨付',
    'op.mark_disbursement_paid': '确认已支付',
    'op.request_acceptance': '申请验收',
    'op.record_acceptance': '登记验收',
    'op.record_evaluation': '登记后评价',
    'op.close_project': '项目关闭',
    'op.suspend_project': '项目暂停',
    'op.resume_project': '项目恢复',
    'op.cancel_project': '项目撤销',
    'op.raise_rectification': '下达整改',
    'op.submit_rectification': '提交整改',
    'op.verify_rectification': '整改核验',
    'op.anchor_access_log': '锚定访问日志',
    'op.acknowledge_alert': '确认已阅',
    'op.record_credit_check': '信用核查',
    'op.record_risk_model': '登记风险预测模型',
    'alert.budget_use_80': '预算使用达 80%',
    'alert.budget_use_100': '预算已用尽',
    'alert.over_budget_attempt': '超预算尝试',
    'alert.disbursement_ahead_of_progress': '拨付超前于验收进度',
    'alert.milestone_overdue': '里程碑逾期',
    'alert.rectification_overdue': '整改逾期',
    'alert.milestone_due_soon': '里程碑即将到期',
    'alert.rectification_due_soon': '整改即将到期',
    'alert.rectification_escalated': '整改逾期已上报',
    'rect.open': '待整改',
    'rect.submitted': '已提交待核验',
    'rect.verified': '已核验销号',
    'rect.reopened': '已退回重整',
    'review.submitted': '待审核',
    'review.accepted': '已通过',
    'review.rejected': '未通过',
    'request.open': '待审批',
    'request.executed': '已执行',
    'request.failed': '审批后执行失败',
    'request.refused': '已驳回',
    'light.red': '红灯',
    'light.yellow': '黄灯',
    'light.green': '绿灯',
    'light.done': '已办结',
  },
  en: {
    'app.title': 'Gongxin · Department console',
    'stage.proposed': 'Proposed',
    'stage.approved': 'Approved',
    'stage.budgeted': 'Budgeted',
    'stage.procurement': 'Procurement',
    'stage.contracted': 'Contracted',
    'stage.in_progress': 'In progress',
    'stage.acceptance_requested': 'Acceptance requested',
    'stage.accepted': 'Accepted',
    'stage.evaluated': 'Evaluated',
    'stage.closed': 'Closed',
    'stage.suspended': 'Suspended',
    'stage.cancelled': 'Cancelled',
    'role.director': 'Director',
    'role.section_chief': 'Section chief',
    'role.specialist': 'Specialist',
    'role.auditor': 'Auditor',
    'dept_kind.finance': 'Finance',
    'dept_kind.audit': 'Audit / inspection',
    'dept_kind.line': 'Line department',
    'dept_kind.planning': 'Planning / development',
    'dept_sel.project_owner': 'Project owner department',
    'op.add_member': 'Add member',
    'op.remove_member': 'Remove member',
    'op.rotate_member_key': 'Rotate member key',
    'op.approve': 'Approve',
    'op.refuse': 'Refuse',
    'op.propose_governance': 'Propose governance change',
    'op.vote_governance': 'Governance vote',
    'op.propose_project': 'Propose project',
    'op.approve_project': 'Approve project',
    'op.approve_budget': 'Approve budget',
    'op.adjust_budget': 'Adjust budget',
    'op.start_procurement': 'Start procurement',
    'op.award_procurement': 'Award procurement',
    'op.sign_contract': 'Sign contract',
    'op.start_implementation': 'Start implementation',
    'op.request_change_order': 'Request change order',
    'op.report_progress': 'Report progress',
    'op.review_progress': 'Review progress',
    'op.request_disbursement': 'Request disbursement',
    'op.mark_disbursement_paid': 'Mark disbursement paid',
    'op.request_acceptance': 'Request acceptance',
    'op.record_acceptance': 'Record acceptance',
    'op.record_evaluation': 'Record evaluation',
    'op.close_project': 'Close project',
    'op.suspend_project': 'Suspend project',
    'op.resume_project': 'Resume project',
    'op.cancel_project': 'Cancel project',
    'op.raise_rectification': 'Raise rectification',
    'op.submit_rectification': 'Submit rectification',
    'op.verify_rectification': 'Verify rectification',
    'op.anchor_access_log': 'Anchor access log',
    'op.acknowledge_alert': 'Acknowledge alert',
    'op.record_credit_check': 'Record credit check',
    'op.record_risk_model': 'Record risk model',
    'alert.budget_use_80': 'Budget 80 % used',
    'alert.budget_use_100': 'Budget used up',
    'alert.over_budget_attempt': 'Over-budget attempt',
    'alert.disbursement_ahead_of_progress': 'Disbursement ahead of accepted progress',
    'alert.milestone_overdue': 'Milestone overdue',
    'alert.rectification_overdue': 'Rectification overdue',
    'alert.milestone_due_soon': 'Milestone due soon',
    'alert.rectification_due_soon': 'Rectification due soon',
    'alert.rectification_escalated': 'Rectification escalated',
    'rect.open': 'Open',
    'rect.submitted': 'Submitted, awaiting verification',
    'rect.verified': 'Verified',
    'rect.reopened': 'Reopened',
    'review.submitted': 'Awaiting review',
    'review.accepted': 'Accepted',
    'review.rejected': 'Rejected',
    'request.open': 'Awaiting approval',
    'request.executed': 'Executed',
    'request.failed': 'Failed after approval',
    'request.refused': 'Refused',
    'light.red': 'Red',
    'light.yellow': 'Yellow',
    'light.green': 'Green',
    'light.done': 'Done',
  },
};

/** Translator over the shared dictionary alone. */
export const tc: T = makeT({ zh: {}, en: {} });

function labelOr(prefix: string, value: string | null | undefined): string {
  if (value == null || value === '') return '—';
  const key = `${prefix}.${value}`;
  const text = tc(key);
  return text === key ? value : text;
}

export const stageLabel = (stage: string | null | undefined): string => labelOr('stage', stage);
export const roleLabel = (role: string | null | undefined): string => labelOr('role', role);
export const deptKindLabel = (kind: string | null | undefined): string => labelOr('dept_kind', kind);
export const opLabel = (kind: string | null | undefined): string => labelOr('op', kind);
export const alertLabel = (kind: string | null | undefined): string => labelOr('alert', kind);
export const rectStatusLabel = (status: string | null | undefined): string => labelOr('rect', status);

/** Every project stage, in lifecycle order (core/src/model/records.rs ProjectStage). */
export const STAGES = [
  'proposed',
  'approved',
  'budgeted',
  'procurement',
  'contracted',
  'in_progress',
  'acceptance_requested',
  'accepted',
  'evaluated',
  'closed',
  'suspended',
  'cancelled',
] as const;

/** Every member role (core/src/model/mod.rs Role). */
export const ROLES = ['director', 'section_chief', 'specialist', 'auditor'] as const;
