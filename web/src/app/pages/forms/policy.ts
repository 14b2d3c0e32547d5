// Which approvals an operation will need before it takes effect: the amount the rules compare
// (core/src/model/ops.rs `amount_fen()`), the policy that applies (GET /v1/policies: the one of
// that kind with the highest `min_amount_fen` ≤ the amount) and a plain sentence saying so.
import type { Json } from './values';

/** Which department a requirement points at (core DepartmentSelector in serde form). */
export type DepartmentSelector = 'project_owner' | { kind: string } | { id: string };

export interface ApprovalRequirement {
  department: DepartmentSelector;
  role: string;
  count: number;
}

/** One approval policy as GET /v1/policies lists it. */
export interface ApprovalPolicy {
  kind: string;
  min_amount_fen?: number;
  required: ApprovalRequirement[];
  description?: string;
}

function num(v: Json | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function field(payload: Json | undefined, name: string): Json | undefined {
  return payload && typeof payload === 'object' && !Array.isArray(payload) ? payload[name] : undefined;
}

/** The amount (fen) a policy compares with its thresholds, for `kind` with `payload` (0 when none). */
export function amountFen(kind: string, payload: Json | undefined): number {
  switch (kind) {
    case 'propose_project':
      return num(field(payload, 'requested_budget_fen'));
    case 'approve_budget': {
      const lines = field(payload, 'lines');
      return Array.isArray(lines) ? lines.reduce<number>((sum, line) => sum + num(field(line, 'amount_fen')), 0) : 0;
    }
    case 'adjust_budget':
      return Math.abs(num(field(payload, 'delta_fen')));
    case 'award_procurement':
    case 'sign_contract':
    case 'request_disbursement':
      return num(field(payload, 'amount_fen'));
    case 'request_change_order':
      return Math.abs(num(field(payload, 'amount_delta_fen')));
    default:
      return 0;
  }
}

/** Whether an operation kind carries an amount that can move it between policies. */
export function hasAmount(kind: string): boolean {
  return [
    'propose_project',
    'approve_budget',
    'adjust_budget',
    'award_procurement',
    'sign_contract',
    'request_disbursement',
    'request_change_order',
  ].includes(kind);
}

/** The policy that applies to `kind` at `amount`: the highest `min_amount_fen` not above it. */
export function resolvePolicy(policies: ApprovalPolicy[], kind: string, amount: number): ApprovalPolicy | null {
  let best: ApprovalPolicy | null = null;
  for (const p of policies) {
    const min = p.min_amount_fen ?? 0;
    if (p.kind !== kind || min > amount) continue;
    if (!best || min > (best.min_amount_fen ?? 0)) best = p;
  }
  return best;
}

/** The next stricter policy of `kind` above `amount` (to warn "from ¥X on, also …"), if any. */
export function nextPolicy(policies: ApprovalPolicy[], kind: string, amount: number): ApprovalPolicy | null {
  let best: ApprovalPolicy | null = null;
  for (const p of policies) {
    const min = p.min_amount_fen ?? 0;
    if (p.kind !== kind || min <= amount) continue;
    if (!best || min < (best.min_amount_fen ?? 0)) best = p;
  }
  return best;
}

/** Labels the sentence needs, in the reader's language. */
export interface PolicyWords {
  lang: 'zh' | 'en';
  /** e.g. dept_kind.finance → 财政部门, role.director → 局长, project_owner → 项目主管部门. */
  deptKind: (kind: string) => string;
  deptId: (id: string) => string;
  projectOwner: string;
  role: (role: string) => string;
}

/** "财政部门" / "Finance" for a selector. */
export function selectorLabel(sel: DepartmentSelector, w: PolicyWords): string {
  if (sel === 'project_owner') return w.projectOwner;
  if (typeof sel === 'object' && 'kind' in sel) return w.deptKind(sel.kind);
  if (typeof sel === 'object' && 'id' in sel) return w.deptId(sel.id);
  return String(sel);
}

/** "财政部门 局长 1 人" / "1 Finance director". */
export function requirementText(r: ApprovalRequirement, w: PolicyWords): string {
  const dept = selectorLabel(r.department, w);
  const role = w.role(r.role);
  return w.lang === 'zh' ? `${dept} ${role} ${r.count} 人` : `${r.count} × ${dept} ${role}`;
}

/** "需经 财政部门 局长 1 人、项目主管部门 局长 1 人审批" or "不需要审批，提交后即生效". */
export function approvalSentence(policy: ApprovalPolicy | null, w: PolicyWords): string {
  const parts = (policy?.required ?? []).filter((r) => r.count > 0).map((r) => requirementText(r, w));
  if (parts.length === 0) {
    return w.lang === 'zh' ? '无需审批，提交并上链后即生效' : 'No approval needed: takes effect once committed';
  }
  return w.lang === 'zh' ? `需经 ${parts.join('、')}审批后生效` : `Needs approval by ${parts.join(', ')} before it takes effect`;
}
