// Unit tests of approval-policy resolution for the operation forms: the amount each kind is
// judged by, the policy that applies at an amount, and the sentence the form shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  amountFen,
  approvalSentence,
  nextPolicy,
  resolvePolicy,
  type ApprovalPolicy,
  type PolicyWords,
} from '../src/app/pages/forms/policy';

const POLICIES: ApprovalPolicy[] = [
  {
    kind: 'request_disbursement',
    min_amount_fen: 0,
    required: [{ department: { kind: 'finance' }, role: 'section_chief', count: 1 }],
  },
  {
    kind: 'request_disbursement',
    min_amount_fen: 100_000_000,
    required: [
      { department: { kind: 'finance' }, role: 'director', count: 1 },
      { department: 'project_owner', role: 'director', count: 1 },
    ],
  },
  { kind: 'sign_contract', min_amount_fen: 5_000_000_000, required: [{ department: { id: 'audit' }, role: 'director', count: 1 }] },
];

const zh: PolicyWords = {
  lang: 'zh',
  deptKind: (k) => ({ finance: '财政局', audit: '审计局' })[k] ?? k,
  deptId: (id) => `部门 ${id}`,
  projectOwner: '项目主管部门',
  role: (r) => ({ director: '局长', section_chief: '科长' })[r] ?? r,
};

test('the amount follows amount_fen() of the rules', () => {
  assert.equal(amountFen('propose_project', { requested_budget_fen: 480 }), 480);
  assert.equal(amountFen('approve_budget', { lines: [{ amount_fen: 100 }, { amount_fen: 23 }, { amount_fen: null }] }), 123);
  assert.equal(amountFen('adjust_budget', { delta_fen: -300 }), 300);
  assert.equal(amountFen('request_change_order', { amount_delta_fen: -7 }), 7);
  assert.equal(amountFen('sign_contract', { amount_fen: 9 }), 9);
  assert.equal(amountFen('award_procurement', { amount_fen: 8 }), 8);
  assert.equal(amountFen('request_disbursement', { amount_fen: 5 }), 5);
  assert.equal(amountFen('approve_project', { project: 'X' }), 0);
  assert.equal(amountFen('request_disbursement', null), 0);
});

test('the policy with the highest threshold not above the amount applies', () => {
  assert.equal(resolvePolicy(POLICIES, 'request_disbursement', 0)?.min_amount_fen, 0);
  assert.equal(resolvePolicy(POLICIES, 'request_disbursement', 99_999_999)?.min_amount_fen, 0);
  assert.equal(resolvePolicy(POLICIES, 'request_disbursement', 100_000_000)?.min_amount_fen, 100_000_000);
  assert.equal(resolvePolicy(POLICIES, 'sign_contract', 4_999_999_999), null);
  assert.equal(resolvePolicy(POLICIES, 'sign_contract', 5_000_000_000)?.kind, 'sign_contract');
  assert.equal(resolvePolicy(POLICIES, 'approve_project', 0), null);
  assert.equal(nextPolicy(POLICIES, 'request_disbursement', 5)?.min_amount_fen, 100_000_000);
  assert.equal(nextPolicy(POLICIES, 'request_disbursement', 100_000_000), null);
});

test('the sentence names every required approver', () => {
  assert.equal(
    approvalSentence(resolvePolicy(POLICIES, 'request_disbursement', 200_000_000), zh),
    '需经 财政局 局长 1 人、项目主管部门 局长 1 人审批后生效',
  );
  assert.equal(approvalSentence(resolvePolicy(POLICIES, 'sign_contract', 6e9), zh), '需经 部门 audit 局长 1 人审批后生效');
  assert.equal(approvalSentence(null, zh), '无需审批，提交并上链后即生效');
  assert.equal(
    approvalSentence(resolvePolicy(POLICIES, 'request_disbursement', 1), { ...zh, lang: 'en' }),
    'Needs approval by 1 × 财政局 科长 before it takes effect',
  );
});
