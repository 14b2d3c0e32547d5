// TypeScript shapes of the node's record JSON the console reads (contracts/src/records.rs,
// contracts/src/queries.rs, contracts/src/events.rs), only the fields the pages use. Fixtures
// from a devnet are in test/fixtures/.

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface ProjectSummary {
  id: string;
  name: string;
  owner_department: string;
  programme: string | null;
  stage: string;
  budget_fen: number;
  committed_fen: number;
  disbursed_fen: number;
  accepted_progress_bp: number;
  reported_progress_bp?: number;
  planned_start_ms?: number;
  planned_end_ms?: number;
  original_planned_end_ms?: number;
}

export interface AlertKind {
  alert: string;
  [field: string]: unknown;
}

export interface Alert {
  kind: AlertKind;
  project: string | null;
  record: string;
  responsible_department: string;
  responsible_person: string | null;
  director: string | null;
  /** The audit department an overdue rectification was escalated to. */
  escalated_to?: string | null;
  height: number;
  time_ms: number;
  message: string;
}

/** Who recorded that they saw an alert (`acknowledge_alert`). */
export interface Acknowledgement {
  alert: string;
  by: string;
  person: string;
  name: string;
  department: string;
  role: string;
  height: number;
  time_ms: number;
  tx: string;
  note: string;
}

/** An alert as the alert lists serve it: with its digest and acknowledgements. */
export interface AlertView extends Alert {
  digest: string;
  acknowledgements: Acknowledgement[];
}

export interface ApprovalEntry {
  person: string;
  key: string;
  department: string;
  role: string;
  note: string;
  tx: string;
  height: number;
  time_ms: number;
}

export interface ResolvedRequirement {
  count: number;
  departments: string[];
  role: string;
  selector: 'project_owner' | { kind: string } | { id: string };
}

export interface RequestRecord {
  hash: string;
  operation: Record<string, unknown>;
  kind: string;
  submitter: string;
  submitter_person: string;
  submitter_department: string;
  project: string | null;
  amount_fen: number;
  policy_min_amount_fen: number;
  policy_description: string;
  required: ResolvedRequirement[];
  approvals: ApprovalEntry[];
  status: { status: string; [k: string]: unknown };
  opened_height: number;
  opened_ms: number;
  closed_height: number | null;
  closed_ms: number | null;
}

export interface RectificationTask {
  id: string;
  project: string | null;
  title: string;
  finding: string;
  responsible_department: string;
  responsible_person: string;
  deadline_ms: number;
  acceptance_standard: string;
  source_ref: string;
}

export interface RectificationRecord {
  task: RectificationTask;
  status: string;
  overdue: boolean;
  reminders: number;
  next_reminder_ms: number | null;
  raised_by: string;
  raised_ms: number;
  raising_department: string;
  submissions: number;
  last_evidence: string | null;
  last_submit_note: string | null;
  last_submitted_ms: number | null;
  last_verify_note: string | null;
  verified_ms: number | null;
  responsible_person_id?: string;
}

export interface HistoryEntry {
  action: string;
  actor: string;
  height: number;
  request: string | null;
  summary: string;
  time_ms: number;
  tx: string;
}

export interface RejectionRecord {
  alert: Alert | null;
  height: number;
  kind: string;
  project: string | null;
  rejection: { code: string; reason?: string; [k: string]: unknown };
  signer: string;
  signer_department: string;
  time_ms: number;
  tx: string;
}

export interface Milestone {
  milestone: { due_ms: number; name: string; progress_bp: number; share_bp: number };
  original_due_ms: number;
  reached_ms: number | null;
}

export interface ContractState {
  id: string;
  project: string;
  amount_fen: number;
  original_amount_fen: number;
  paid_fen: number;
  approved_unpaid_fen: number;
  advance_share_bp: number;
  change_orders: number;
  disbursements: number;
  contractor: { name: string; credit_code: string };
  document_hash: string;
  milestones: Milestone[];
  schedule_delta_days: number;
  signed_ms: number;
}

export interface HealthPart {
  score_bp: number;
  weight_bp: number;
  explanation: string;
  [k: string]: unknown;
}

export interface HealthScore {
  quarter_label: string;
  score_bp: number;
  as_of_ms: number;
  schedule: HealthPart;
  cost: HealthPart;
  overdue: HealthPart;
  rectification: HealthPart;
}

export interface BudgetLine {
  code: string;
  name: string;
  amount_fen: number;
}

export interface ProjectRecord {
  id: string;
  name: string;
  owner_department: string;
  programme: string | null;
  category: string;
  location: string;
  description?: string;
  stage: string;
  stage_reason: string;
  planned_start_ms: number;
  planned_end_ms: number;
  original_planned_end_ms: number;
  requested_budget_fen: number;
  budget: { total_fen: number; original_total_fen: number; fiscal_year: number; adjustments: number; lines: BudgetLine[] } | null;
  contract: string | null;
  created_ms: number;
  updated_ms: number;
  disclosure: string;
}

export interface ProjectTotals {
  budget_fen: number;
  committed_fen: number;
  uncommitted_fen: number;
  approved_unpaid_fen: number;
  disbursed_fen: number;
  budget_use_bp: number;
  accepted_progress_bp: number;
  reported_progress_bp: number;
  payable_fen: number;
  payable_bp: number;
}

export interface ProjectView {
  project: ProjectRecord;
  totals: ProjectTotals;
  procurement: Record<string, unknown> | null;
  contracts: ContractState[];
  history: Page<HistoryEntry>;
  alerts: Page<Alert>;
  rejections: Page<RejectionRecord>;
  open_requests: Page<RequestRecord>;
  health: HealthScore | null;
}

/** Follow `next` until `max` items (for the small lists a page shows whole). */
export async function collect<T>(load: (after: string | null) => Promise<Page<T>>, max = 500): Promise<T[]> {
  const out: T[] = [];
  let after: string | null = null;
  do {
    const page: Page<T> = await load(after);
    out.push(...page.items);
    after = page.next;
  } while (after && out.length < max);
  return out;
}

/** `?a=1&b=2` from defined, non-empty values. */
export function qs(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
