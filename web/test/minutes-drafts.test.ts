// Unit tests of the minutes page's data: the node's answer read safely, a draft's starting
// form (never approved by itself), the checks before signing, and the operation it becomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkForm, endOfDayMs, initialForm, normalizeExtraction, raisesTasks, rectificationOperation } from '../src/app/pages/minutes/drafts';

const ANSWER = {
  meeting_date: '2026-11-20',
  sentences: 9,
  drafts: [
    {
      sentence_index: 4,
      sentence: '二、请生态环境局李娜同志下周五前提交整改方案',
      title: '生态环境局李娜同志提交整改方案',
      department: { id: 'ecology', text: '生态环境局' },
      person: { name: '李娜', public_key: 'ed25519:li', department: 'ecology', text: '李娜' },
      deadline: { date: '2026-11-27', deadline_ms: 1_795_795_199_999, text: '下周五' },
      acceptance_standard: null,
      project: null,
      missing: ['acceptance_standard'],
    },
    { sentence: '张科长负责核查', person: { name: null, public_key: null, text: '张科长' }, missing: ['department', 'person', 'deadline', 7] },
  ],
  departments: [{ id: 'ecology', name: '市生态环境局' }],
  people: [
    { name: '李娜', department: 'ecology', role: 'specialist', public_key: 'ed25519:li' },
    { name: '王强', department: 'transport', role: 'director', public_key: 'ed25519:wang' },
  ],
};

test('the answer is read safely and keeps what was not resolved', () => {
  const x = normalizeExtraction(ANSWER);
  assert.equal(x.drafts.length, 2);
  assert.equal(x.drafts[0].person_key, 'ed25519:li');
  assert.equal(x.drafts[0].deadline, '2026-11-27');
  assert.equal(x.drafts[1].person_key, '');
  assert.equal(x.drafts[1].person_text, '张科长');
  assert.deepEqual(x.drafts[1].missing, ['department', 'person', 'deadline']);
  assert.deepEqual(normalizeExtraction('garbage').drafts, []);
});

test('a form starts unapproved and is checked field by field', () => {
  const x = normalizeExtraction(ANSWER);
  const form = initialForm(x.drafts[0], 0, x.meeting_date);
  assert.equal(form.approved, false);
  assert.equal(form.id, 'JY-20261120-01');
  assert.deepEqual(checkForm(form, '2026-11-20', x.people), { acceptance_standard: 'required' });
  form.acceptance_standard = '方案经督察组审定';
  assert.deepEqual(checkForm(form, '2026-11-20', x.people), {});
  assert.deepEqual(checkForm({ ...form, deadline: '2026-11-19' }, '2026-11-20', x.people), { deadline: 'past' });
  assert.deepEqual(checkForm({ ...form, person_key: 'ed25519:wang' }, '2026-11-20', x.people), { person_key: 'department' });
  assert.deepEqual(checkForm({ ...form, id: 'bad id!', deadline: '2026-13-45' }, '2026-11-20', x.people), { id: 'id', deadline: 'required' });
  const second = initialForm(x.drafts[1], 1, x.meeting_date);
  assert.deepEqual(Object.keys(checkForm(second, '2026-11-20', x.people)).sort(), ['acceptance_standard', 'deadline', 'department', 'person_key', 'title']);
});

test('a checked form becomes the raise_rectification the rules expect', () => {
  const x = normalizeExtraction(ANSWER);
  const form = { ...initialForm(x.drafts[0], 0, x.meeting_date), acceptance_standard: ' 方案经督察组审定 ' };
  assert.deepEqual(rectificationOperation(form, x.meeting_date), {
    raise_rectification: {
      id: 'JY-20261120-01',
      project: null,
      title: '生态环境局李娜同志提交整改方案',
      finding: '二、请生态环境局李娜同志下周五前提交整改方案',
      responsible_department: 'ecology',
      responsible_person: 'ed25519:li',
      deadline_ms: 1_795_795_199_999,
      acceptance_standard: '方案经督察组审定',
      source_ref: '会议纪要 2026-11-20',
    },
  });
  assert.equal(endOfDayMs('2026-11-27'), 1_795_795_199_999);
  assert.equal(raisesTasks({ department_kind: 'audit', role: 'auditor' }), true);
  assert.equal(raisesTasks({ department_kind: 'line', role: 'director' }), false);
});
