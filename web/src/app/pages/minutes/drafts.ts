// 会议纪要 → 整改任务: the answer of POST /v1/minutes/drafts read into a safe shape, the form a
// person edits for each draft, its checks (every field a rectification task needs, a deadline
// after today, an id the ledger accepts) and the raise_rectification operation it becomes.
// Pure and unit-tested; MinutesPage.tsx is the view.

export interface Person {
  name: string;
  department: string;
  role: string;
  public_key: string;
}

export interface Draft {
  sentence_index: number;
  sentence: string;
  title: string;
  department: string;
  person_key: string;
  /** The words the person was read from when no member was resolved ("张科长"). */
  person_text: string;
  deadline: string;
  deadline_text: string;
  acceptance_standard: string;
  project: string;
  missing: string[];
}

export interface Extraction {
  meeting_date: string;
  sentences: number;
  drafts: Draft[];
  departments: { id: string; name: string }[];
  people: Person[];
}

type Raw = Record<string, unknown>;

function obj(v: unknown): Raw {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {};
}

function arr(v: unknown): Raw[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function normalizeExtraction(input: unknown): Extraction {
  const r = obj(input);
  return {
    meeting_date: str(r.meeting_date),
    sentences: typeof r.sentences === 'number' ? r.sentences : 0,
    drafts: arr(r.drafts).map((d, i) => ({
      sentence_index: typeof d.sentence_index === 'number' ? d.sentence_index : i,
      sentence: str(d.sentence),
      title: str(d.title),
      department: str(obj(d.department).id),
      person_key: str(obj(d.person).public_key),
      person_text: str(obj(d.person).text),
      deadline: str(obj(d.deadline).date),
      deadline_text: str(obj(d.deadline).text),
      acceptance_standard: str(d.acceptance_standard),
      project: str(d.project),
      missing: (Array.isArray(d.missing) ? d.missing : []).filter((m): m is string => typeof m === 'string'),
    })),
    departments: arr(r.departments).map((d) => ({ id: str(d.id), name: str(d.name) })),
    people: arr(r.people).map((p) => ({ name: str(p.name), department: str(p.department), role: str(p.role), public_key: str(p.public_key) })),
  };
}

/** What a person edits for one draft. */
export interface TaskForm {
  approved: boolean;
  id: string;
  title: string;
  finding: string;
  department: string;
  person_key: string;
  deadline: string;
  acceptance_standard: string;
  project: string;
}

/** `2026-11-20` → `20261120`. */
function compactDate(iso: string): string {
  return iso.replace(/-/g, '');
}

/** The form a draft starts as: nothing approved until a person says so. */
export function initialForm(draft: Draft, index: number, meetingDate: string): TaskForm {
  return {
    approved: false,
    id: `JY-${compactDate(meetingDate) || 'MINUTES'}-${String(index + 1).padStart(2, '0')}`,
    title: draft.title,
    finding: draft.sentence,
    department: draft.department,
    person_key: draft.person_key,
    deadline: draft.deadline,
    acceptance_standard: draft.acceptance_standard,
    project: draft.project,
  };
}

export const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** The form's problems, by field (empty when it can be signed). `today` is `YYYY-MM-DD`. */
export function checkForm(form: TaskForm, today: string, people: Person[]): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!ID_PATTERN.test(form.id)) errors.id = 'id';
  if (form.title.trim() === '') errors.title = 'required';
  if (form.department === '') errors.department = 'required';
  const person = people.find((p) => p.public_key === form.person_key);
  if (!person) errors.person_key = 'required';
  else if (person.department !== form.department) errors.person_key = 'department';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.deadline) || Number.isNaN(Date.parse(`${form.deadline}T00:00:00+08:00`))) errors.deadline = 'required';
  else if (form.deadline < today) errors.deadline = 'past';
  if (form.acceptance_standard.trim() === '') errors.acceptance_standard = 'required';
  if (form.project !== '' && !ID_PATTERN.test(form.project)) errors.project = 'id';
  return errors;
}

/** The last millisecond of a CST day, as deadlines are kept. */
export function endOfDayMs(iso: string): number {
  return Date.parse(`${iso}T23:59:59.999+08:00`);
}

/** The raise_rectification operation a checked form becomes. */
export function rectificationOperation(form: TaskForm, meetingDate: string): object {
  return {
    raise_rectification: {
      id: form.id,
      project: form.project === '' ? null : form.project,
      title: form.title.trim(),
      finding: form.finding,
      responsible_department: form.department,
      responsible_person: form.person_key,
      deadline_ms: endOfDayMs(form.deadline),
      acceptance_standard: form.acceptance_standard.trim(),
      source_ref: `会议纪要 ${meetingDate}`,
    },
  };
}

/** Whether `me` may sign rectification tasks (the rules: audit's director, section chief or auditor). */
export function raisesTasks(me: { department_kind: string; role: string }): boolean {
  return me.department_kind === 'audit' && ['director', 'section_chief', 'auditor'].includes(me.role);
}
