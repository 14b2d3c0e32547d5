// What the portal's 验证此记录 / "verify this record" button checks, as pure functions of what
// the page holds and what the node answered (the DOM and fetching are in src/portal/verify.ts).
//
// The page carries its records as a JSON data block (`#gx-evidence`: kind, id, leaf index and
// the public view each section was rendered from) and marks the values it shows with the field
// they come from (`data-record`, `data-field`, `data-raw`). The check, step by step, each one
// able to fail on its own:
//   1. genesis — the genesis document the node serves hashes (SM3 of its canonical encoding
//      under the schema built into the verifier, verify/genesis.ts) to the hash the page pins, which the reader
//      compares with the one the government published;
//   2. checkpoint — the public checkpoint is signed by more than 2/3 of the power of the set
//      trusted from the genesis validators through the hand-overs;
//   3. records — each record's leaf, rebuilt as JCS from the view in the data block, folds up
//      its audit path to the checkpoint's root;
//   4. shown — record 0 is the page's project; the main figures are marked; every marked
//      value equals the verified view's, and the text the reader sees is that value as the
//      portal formats it (node/src/gateway/portal/page.rs: money, percent, date, stage).

import { dateText, yuanText } from '../app/components/format';
import { readGenesis } from './genesis';
import { canonicalize } from './jcs';
import { parseNote, type SignedNote } from './note';
import { leafInLog, type PublicProof } from './record';
import { follow, verifyTrusted, type HandOver } from './valsets';

/** One record the page shows, as its data block carries it. */
export interface PageRecord {
  kind: string;
  id: string;
  leaf_index: number;
  view: Record<string, unknown>;
}

/** A value the page shows: which record and field, the JSON of the value, and its text. */
export interface ShownValue {
  record: number;
  field: string;
  raw: string;
  /** What the reader sees (the element's text), when the page is at hand. */
  text?: string;
}

/** The fields of the project a page must mark, so that its main figures are checked. */
export const MARKED_REQUIRED = ['id', 'name', 'stage', 'budget_fen', 'disbursed_fen'];

const STAGES: Record<string, [string, string]> = {
  proposed: ['申报', 'Proposed'],
  approved: ['立项', 'Approved'],
  budgeted: ['预算批复', 'Budgeted'],
  procurement: ['招标采购', 'Procurement'],
  contracted: ['合同签订', 'Contracted'],
  in_progress: ['实施中', 'In progress'],
  acceptance_requested: ['申请验收', 'Acceptance requested'],
  accepted: ['已验收', 'Accepted'],
  evaluated: ['已后评价', 'Evaluated'],
  closed: ['已关闭', 'Closed'],
  suspended: ['暂停', 'Suspended'],
  cancelled: ['已撤销', 'Cancelled'],
};

/**
 * How the portal shows `value` of `field` (the twin of page.rs's money, percent, date and
 * stage_label); `null` where the text is not the value itself (a department's name).
 */
export function displayText(field: string, value: unknown, zh: boolean): string | null {
  if (field === 'owner_department') return null;
  if (typeof value === 'number' && field.endsWith('_fen')) return `¥${yuanText(value)}`;
  if (typeof value === 'number' && field.endsWith('_bp')) return `${Math.floor(value / 100)}.${Math.floor((value % 100) / 10)}%`;
  if (typeof value === 'number' && field.endsWith('_ms')) return dateText(value);
  if (field === 'stage' && typeof value === 'string') return STAGES[value]?.[zh ? 0 : 1] ?? (zh ? '未知' : 'Unknown');
  if (field === 'programme' && value === null) return '—';
  return typeof value === 'string' ? value : null;
}

/** The step that failed, so the reader is told in words what does not hold. */
export type Step = 'page' | 'genesis' | 'checkpoint' | 'records' | 'shown';

export class VerifyError extends Error {
  constructor(
    readonly step: Step,
    message: string,
  ) {
    super(message);
  }
}

/** What the node served for the check, fetched by the caller. */
export interface Served {
  /** `GET /public/v1/genesis`: the parsed genesis document. */
  genesis: unknown;
  /** `GET /public/v1/checkpoint`. */
  checkpoint: string;
  /** The hand-overs of `GET /v1/validator-sets`, oldest first. */
  handovers: HandOver[];
  /** `GET /public/v1/proofs/inclusion` for each record, in the data block's order. */
  proofs: PublicProof[];
}

export interface PageVerdict {
  genesisHash: string;
  chainId: string;
  treeSize: number;
  signers: string[];
  handovers: number;
  records: { kind: string; id: string; leafIndex: number; height: number }[];
  shownChecked: number;
}

/** Reads the data block's text: a non-empty list of records. */
export function parseEvidence(text: string): PageRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VerifyError('page', 'the page\u2019s data block is not JSON');
  }
  const records = (value as { records?: unknown })?.records;
  if (!Array.isArray(records) || records.length === 0) {
    throw new VerifyError('page', 'the page\u2019s data block names no record');
  }
  return records.map((r: unknown, i) => {
    const record = r as Partial<PageRecord>;
    if (
      typeof record?.kind !== 'string' ||
      typeof record.id !== 'string' ||
      !Number.isSafeInteger(record.leaf_index) ||
      typeof record.view !== 'object' ||
      record.view === null
    ) {
      throw new VerifyError('page', `record ${i} of the data block is incomplete`);
    }
    return record as PageRecord;
  });
}

/**
 * What the page shows that differs from the records' views, or that it fails to mark (an
 * empty list when all agree).
 */
export function shownMismatches(records: PageRecord[], shown: ShownValue[], zh = true): string[] {
  const out: string[] = [];
  const project = records[0];
  if (project?.kind !== 'project' || project.view.id !== project.id) {
    out.push('the page\u2019s first record is not its project');
  }
  for (const field of MARKED_REQUIRED) {
    if (field in (project?.view ?? {}) && !shown.some((v) => v.record === 0 && v.field === field)) {
      out.push(`the page does not mark the ${field} it shows`);
    }
  }
  for (const value of shown) {
    const record = records[value.record];
    if (record === undefined) {
      out.push(`a value names record ${value.record}, which the page does not carry`);
      continue;
    }
    let rendered: string;
    try {
      rendered = canonicalize(JSON.parse(value.raw));
    } catch {
      out.push(`${record.kind} ${record.id}: the value shown as ${value.field} is not JSON`);
      continue;
    }
    const field = record.view[value.field];
    const signed = field === undefined ? undefined : canonicalize(field);
    if (rendered !== signed) {
      out.push(`${record.kind} ${record.id}: ${value.field} is shown as ${rendered}, the signed record says ${signed ?? 'nothing'}`);
      continue;
    }
    const expected = value.text === undefined ? null : displayText(value.field, field, zh);
    if (expected !== null && value.text?.trim() !== expected) {
      out.push(`${record.kind} ${record.id}: ${value.field} reads “${value.text?.trim()}”, the signed record says “${expected}”`);
    }
  }
  return out;
}

/** Every step above; throws a [`VerifyError`] naming the first that fails. */
export function verifyPage(
  pinnedHash: string,
  records: PageRecord[],
  shown: ShownValue[],
  served: Served,
  zh = true,
): PageVerdict {
  const { hash, chainId, listing } = step('genesis', () => readGenesis(served.genesis));
  if (hash !== pinnedHash.toLowerCase()) {
    throw new VerifyError('genesis', `the genesis the node serves hashes to ${hash}, the page pins ${pinnedHash}`);
  }
  const origin = `gongxin/${chainId}/public`;
  const note: SignedNote = step('checkpoint', () => parseNote(served.checkpoint));
  const signers = step('checkpoint', () => verifyTrusted(follow(listing, origin, 'public', served.handovers), note));
  if (served.proofs.length !== records.length) {
    throw new VerifyError('records', `${records.length} records but ${served.proofs.length} proofs`);
  }
  const verified = records.map((record, i) => {
    const proof = served.proofs[i];
    if (proof.leaf_index !== record.leaf_index) {
      throw new VerifyError('records', `${record.kind} ${record.id}: the page names leaf ${record.leaf_index}, the proof is for ${proof.leaf_index}`);
    }
    const height = step('records', () => leafInLog(note, chainId, record.kind, record.id, record.view, proof));
    return { kind: record.kind, id: record.id, leafIndex: record.leaf_index, height };
  });
  const mismatches = shownMismatches(records, shown, zh);
  if (mismatches.length > 0) throw new VerifyError('shown', mismatches.join('; '));
  return {
    genesisHash: hash,
    chainId,
    treeSize: note.checkpoint.treeSize,
    signers,
    handovers: served.handovers.length,
    records: verified,
    shownChecked: shown.length,
  };
}

function step<T>(name: Step, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof VerifyError) throw error;
    throw new VerifyError(name, error instanceof Error ? error.message : String(error));
  }
}
