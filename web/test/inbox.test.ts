// Unit tests of the inbox's approval arithmetic: which requests wait for me, and how many
// signatures a request still lacks once I approve it (what the toast after 同意 says).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { awaitingReview, awaitsMe, missingAfterMyApproval } from '../src/app/pages/inbox/InboxPage';
import type { ApprovalEntry, RequestRecord } from '../src/app/components/records';
import type { WhoAmI } from '../src/app/session';

const director: WhoAmI = { name: '财政局局长', department: 'finance', department_kind: 'finance', role: 'director', public_key: 'aa', reads_everything: false };
const chief: WhoAmI = { ...director, name: '财政局科长', role: 'section_chief', public_key: 'bb' };

function request(approvals: RequestRecord['approvals'], status = 'open'): RequestRecord {
  return {
    hash: '00',
    operation: {},
    kind: 'request_disbursement',
    submitter: 'cc',
    submitter_person: 'cc',
    submitter_department: 'transport',
    project: 'SC-2026-008',
    amount_fen: 200_000_000,
    policy_min_amount_fen: 100_000_000,
    policy_description: '≥ ¥1,000,000: finance section chief and director',
    required: [
      { count: 1, departments: ['finance'], role: 'section_chief', selector: { kind: 'finance' } },
      { count: 1, departments: ['finance'], role: 'director', selector: { kind: 'finance' } },
    ],
    approvals,
    status: { status },
    opened_height: 10,
    opened_ms: 0,
    closed_height: null,
    closed_ms: null,
  };
}

const chiefSigned: ApprovalEntry = { key: 'bb', person: 'bb', department: 'finance', role: 'section_chief', note: '', tx: '01', height: 11, time_ms: 1 };

test('the first of two approvals leaves one missing, the second completes the request', () => {
  assert.equal(missingAfterMyApproval(request([]), chief), 1);
  assert.equal(missingAfterMyApproval(request([chiefSigned]), director), 0);
});

test('a request waits for me only while open, unsigned by me and short of my role', () => {
  assert.equal(awaitsMe(request([]), director), true);
  assert.equal(awaitsMe(request([chiefSigned]), chief), false);
  assert.equal(awaitsMe(request([], 'executed'), director), false);
  assert.equal(awaitsMe(request([]), { ...director, department: 'audit' }), false);
});

test('projects wait for review while their claimed progress is above the accepted one', () => {
  const base = { name: 'x', owner_department: 'transport', programme: null, budget_fen: 0, committed_fen: 0, disbursed_fen: 0 };
  const waiting = awaitingReview([
    { ...base, id: 'A', stage: 'in_progress', accepted_progress_bp: 2500, reported_progress_bp: 4000 },
    { ...base, id: 'B', stage: 'in_progress', accepted_progress_bp: 4000, reported_progress_bp: 4000 },
    { ...base, id: 'C', stage: 'in_progress', accepted_progress_bp: 0, reported_progress_bp: 6000 },
    { ...base, id: 'D', stage: 'suspended', accepted_progress_bp: 0, reported_progress_bp: 6000 },
  ]);
  assert.deepEqual(waiting.map((p) => p.id), ['C', 'A']);
});
