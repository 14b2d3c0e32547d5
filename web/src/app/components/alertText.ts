// An alert in words, in the reader's language, from its kind's figures: the node writes each
// alert's `message` in English (it is on the ledger, the same on every node); the console says
// it in Chinese for the people it reaches, and falls back to the node's words for a kind it does
// not know. The webhooks say it the same way (node/src/webhooks/text.rs): both are checked
// against test/fixtures/alert-texts.json.
import { getLang } from '../i18n';
import type { Alert } from './records';
import { bpText, dateText, dateTimeText, yuanText } from './format';

const DAY_MS = 86_400_000;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** What is left until `due` as of `at`: "2 天 5 小时" (at least "不足 1 小时"). */
export function leftText(due: number, at: number): string {
  const hours = Math.max(0, Math.floor((due - at) / 3_600_000));
  if (hours === 0) return '不足 1 小时';
  const days = Math.floor(hours / 24);
  return days > 0 ? `${days} 天${hours % 24 > 0 ? ` ${hours % 24} 小时` : ''}` : `${hours} 小时`;
}

/** The alert's text in Chinese, or null for a kind without a Chinese template. */
export function alertTextZh(a: Alert): string | null {
  const k = a.kind;
  const task = str(k.task);
  switch (k.alert) {
    case 'rectification_due_soon':
      return `整改任务 ${task} 将于 ${dateTimeText(num(k.deadline_ms))} 到期（剩余 ${leftText(num(k.deadline_ms), a.time_ms)}），请 ${a.responsible_department} 按期提交整改材料。`;
    case 'rectification_overdue':
      return `整改任务 ${task} 已逾期 ${Math.floor((a.time_ms - num(k.deadline_ms)) / DAY_MS)} 天（期限 ${dateText(num(k.deadline_ms))}，第 ${num(k.reminder)} 次催办），请 ${a.responsible_department} 尽快办理。`;
    case 'rectification_escalated':
      return `整改任务 ${task} 逾期已达 ${num(k.days_overdue)} 天，已上报 ${a.escalated_to ?? ''}。`;
    case 'milestone_due_soon':
      return `合同 ${str(k.contract)} 的付款节点「${str(k.name)}」将于 ${dateText(num(k.due_ms))} 到期，需验收进度 ${bpText(num(k.required_progress_bp))}，目前已验收 ${bpText(num(k.accepted_progress_bp))}。`;
    case 'milestone_overdue':
      return `合同 ${str(k.contract)} 的付款节点「${str(k.name)}」已于 ${dateText(num(k.due_ms))} 到期，需验收进度 ${bpText(num(k.required_progress_bp))}，目前仅 ${bpText(num(k.accepted_progress_bp))}。`;
    case 'budget_use_80':
      return `项目 ${a.project ?? ''} 已支付 ¥${yuanText(num(k.used_fen))}，占批复预算 ¥${yuanText(num(k.budget_fen))} 的 ${bpText(num(k.use_bp))}。`;
    case 'budget_use_100':
      return `项目 ${a.project ?? ''} 已用尽批复预算 ¥${yuanText(num(k.budget_fen))}。`;
    case 'over_budget_attempt':
      return `项目 ${a.project ?? ''} 有人试图超预算承诺 ¥${yuanText(num(k.requested_fen))}（预算 ¥${yuanText(num(k.budget_fen))}，已承诺 ¥${yuanText(num(k.committed_fen))}），已被规则拒绝并留痕。`;
    case 'disbursement_ahead_of_progress':
      return `合同 ${str(k.contract)} 有人申请拨付 ¥${yuanText(num(k.requested_fen))}，超过已验收进度 ${bpText(num(k.accepted_progress_bp))} 允许的 ¥${yuanText(num(k.allowed_fen))}，已被规则拒绝并留痕。`;
    default:
      return null;
  }
}

/** The alert in the console's language (Chinese from the figures; English as the node wrote it). */
export function alertText(a: Alert): string {
  return (getLang() === 'zh' ? alertTextZh(a) : null) ?? a.message;
}
