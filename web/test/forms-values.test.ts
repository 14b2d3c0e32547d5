// Unit tests of the generated operation forms: the golden schema read into fields, exact money /
// percent / date conversion both ways with its error messages, draft ↔ JSON round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fieldOf, operationKinds, unitOf, type Field, type OperationsSchemaDoc } from '../src/app/pages/forms/schema';
import {
  formatBeijingDate,
  formatBeijingDateTime,
  formatMoneyInput,
  parseBeijingDate,
  parseBeijingDateTime,
  parseMoney,
  parsePercent,
} from '../src/app/pages/forms/units';
import {
  draftToValue,
  emptyDraft,
  moneyAt,
  switchMoneyUnit,
  updateAt,
  valueToDraft,
  type Draft,
  type Json,
} from '../src/app/pages/forms/values';
import { errorText, fieldLabel, humanize, optionLabel, rejectionText, tf } from '../src/app/pages/forms/labels';

const golden = JSON.parse(
  readFileSync(join(process.cwd(), '..', 'core/tests/golden/tx_body.schema.json'), 'utf8'),
) as OperationsSchemaDoc['tx_body'];
const doc: OperationsSchemaDoc = { tx_body: golden };
const kinds = operationKinds(doc);
const kind = (name: string) => {
  const k = kinds.find((x) => x.kind === name);
  assert.ok(k, `kind ${name}`);
  return k;
};
const payload = (name: string): Field => {
  const p = kind(name).payload;
  assert.ok(p);
  return p;
};

test('every operation kind of the golden schema becomes a form, in declaration order', () => {
  assert.equal(kinds[0].kind, 'add_member');
  assert.ok(kinds.length >= 31);
  assert.deepEqual(
    kinds.slice(7, 10).map((k) => k.kind),
    ['propose_project', 'approve_project', 'approve_budget'],
  );
  for (const k of kinds) assert.equal(k.payload?.type, 'object', k.kind);
});

test('fields carry units, wire hints, nullability and enum options', () => {
  const p = payload('propose_project');
  assert.equal(p.type, 'object');
  if (p.type !== 'object') return;
  const by = Object.fromEntries(p.fields.map((f) => [f.name, f]));
  assert.deepEqual(Object.keys(by), [
    'id', 'name', 'category', 'location', 'programme', 'planned_start_ms', 'planned_end_ms',
    'requested_budget_fen', 'disclosure', 'description',
  ]);
  assert.equal(by.programme.nullable, true);
  assert.equal(by.programme.type, 'string');
  assert.ok(by.requested_budget_fen.type === 'integer' && by.requested_budget_fen.unit === 'fen');
  assert.ok(by.planned_end_ms.type === 'integer' && by.planned_end_ms.unit === 'date');
  assert.ok(by.disclosure.type === 'enum');
  if (by.disclosure.type === 'enum') assert.deepEqual(by.disclosure.options.map((o) => o.value), ['public', 'internal']);
  const adj = payload('adjust_budget');
  if (adj.type !== 'object') throw new Error('object');
  const doc_hash = adj.fields.find((f) => f.name === 'document_hash')!;
  assert.equal(doc_hash.nullable, true);
  assert.ok(doc_hash.type === 'string' && doc_hash.wire === 'hash');
  const delta = adj.fields.find((f) => f.name === 'delta_fen')!;
  assert.ok(delta.type === 'integer' && delta.min < 0 && delta.format === 'int64');
});

test('governance changes and department selectors are unions', () => {
  const gov = payload('propose_governance');
  if (gov.type !== 'object') throw new Error('object');
  const change = gov.fields.find((f) => f.name === 'change')!;
  assert.equal(change.type, 'union');
  if (change.type !== 'union') return;
  assert.equal(change.variants[0].tag, 'set_policy');
  const policy = change.variants[0].payload!;
  if (policy.type !== 'object') throw new Error('object');
  const req = policy.fields.find((f) => f.name === 'required')!;
  if (req.type !== 'array' || req.item.type !== 'object') throw new Error('array of objects');
  const dept = req.item.fields.find((f) => f.name === 'department')!;
  assert.equal(dept.type, 'union');
  if (dept.type === 'union') {
    assert.deepEqual(dept.variants.map((v) => [v.tag, v.payload === null]), [
      ['project_owner', true],
      ['kind', false],
      ['id', false],
    ]);
  }
});

test('unit conventions come from the field name', () => {
  assert.equal(unitOf('amount_fen'), 'fen');
  assert.equal(unitOf('share_bp'), 'bp');
  assert.equal(unitOf('due_ms'), 'date');
  assert.equal(unitOf('deadline_ms'), 'datetime');
  assert.equal(unitOf('fiscal_year'), 'plain');
});

const code = (p: { ok: boolean; code?: string }) => (p.ok ? 'ok' : p.code);
const zhMessage = (p: { ok: boolean; vars?: Record<string, string | number> }) => String(p.vars?.zh ?? '');

test('money is exact in 万元 and yuan, with clear errors', () => {
  assert.deepEqual(parseMoney('12.345678', 'wan'), { ok: true, value: 12_345_678 });
  assert.deepEqual(parseMoney('4800', 'wan'), { ok: true, value: 4_800_000_000 });
  assert.deepEqual(parseMoney('0.01', 'yuan'), { ok: true, value: 1 });
  assert.deepEqual(parseMoney('1,234.56', 'yuan'), { ok: true, value: 123_456 });
  assert.deepEqual(parseMoney('１２３．４', 'wan'), { ok: true, value: 123_400_000 });
  assert.deepEqual(parseMoney('0.1', 'wan'), { ok: true, value: 100_000 });
  assert.deepEqual(parseMoney('0.3', 'yuan'), { ok: true, value: 30 });
  const tooPrecise = parseMoney('1.234', 'yuan');
  assert.equal(code(tooPrecise), 'input');
  assert.match(zhMessage(tooPrecise), /2 位小数/);
  assert.match(zhMessage(parseMoney('1.0000001', 'wan')), /6 位小数/);
  assert.match(zhMessage(parseMoney('abc', 'wan')), /请输入/);
  assert.match(zhMessage(parseMoney('-5', 'wan')), /负数/);
  assert.deepEqual(parseMoney('-5', 'wan', true), { ok: true, value: -5_000_000 });
  assert.equal(code(parseMoney('', 'wan')), 'required');
  assert.match(zhMessage(parseMoney('99999999999999999', 'yuan')), /太大/);
  assert.equal(errorText(tf, 'input', { zh: '中文', en: 'english' }, 'en'), 'english');
  assert.equal(errorText(tf, 'required', undefined, 'zh'), '必填');
  assert.equal(formatMoneyInput(12_345_678, 'wan'), '12.345678');
  assert.equal(formatMoneyInput(480_000_000, 'wan'), '480');
  assert.equal(formatMoneyInput(5, 'yuan'), '0.05');
  assert.equal(formatMoneyInput(-150, 'yuan'), '-1.5');
});

test('percent ↔ basis points and Beijing dates ↔ ms', () => {
  assert.deepEqual(parsePercent('37.5'), { ok: true, value: 3750 });
  assert.deepEqual(parsePercent('100%'), { ok: true, value: 10_000 });
  assert.equal(code(parsePercent('100.01')), 'input');
  assert.equal(code(parsePercent('1.234')), 'input');
  // 2026-07-01 00:00 Beijing = 2026-06-30T16:00Z
  assert.deepEqual(parseBeijingDate('2026-07-01'), { ok: true, value: Date.UTC(2026, 5, 30, 16) });
  assert.equal(formatBeijingDate(Date.UTC(2026, 5, 30, 16)), '2026-07-01');
  assert.equal(formatBeijingDate(Date.UTC(2026, 5, 30, 15, 59)), '2026-06-30');
  assert.equal(code(parseBeijingDate('2026-02-30')), 'input');
  assert.equal(code(parseBeijingDate('7/1/2026')), 'input');
  assert.deepEqual(parseBeijingDateTime('2026-07-01T18:00'), { ok: true, value: Date.UTC(2026, 6, 1, 10) });
  assert.equal(formatBeijingDateTime(Date.UTC(2026, 6, 1, 10)), '2026-07-01T18:00');
});

/** The client's `example()` values (client/src/ops.rs), as JSON. */
const EXAMPLES: Record<string, Json> = {
  propose_project: {
    id: 'SC-2026-001',
    name: 'Smart traffic signals, Xinhua District',
    category: 'smart-city/transport',
    location: 'Xinhua District',
    programme: null,
    planned_start_ms: 1_782_864_000_000,
    planned_end_ms: 1_814_400_000_000,
    requested_budget_fen: 480_000_000,
    disclosure: 'public',
    description: 'replaces 120 fixed-time signals with adaptive control',
  },
  sign_contract: {
    id: 'SC-2026-001-C1',
    project: 'SC-2026-001',
    contractor: { name: 'Xinhua Road Construction Co., Ltd.', credit_code: '91510100MA61K3T8XP' },
    amount_fen: 432_000_000,
    advance_share_bp: 1000,
    milestones: [
      { name: 'half of the signals installed', progress_bp: 5000, share_bp: 4000, due_ms: 1_798_761_600_000 },
      { name: 'all installed and accepted', progress_bp: 10_000, share_bp: 5000, due_ms: 1_814_400_000_000 },
    ],
    document_hash: 'a'.repeat(64),
  },
  request_change_order: {
    id: 'SC-2026-001-CO1',
    contract: 'SC-2026-001-C1',
    amount_delta_fen: -18_000_000,
    schedule_delta_days: -30,
    reason: 'eight fewer intersections',
    document_hash: 'b'.repeat(64),
  },
  propose_governance: {
    id: 'GOV-2026-01',
    change: {
      set_policy: {
        kind: 'sign_contract',
        min_amount_fen: 5_000_000_000,
        required: [{ department: { kind: 'audit' }, role: 'director', count: 1 }, { department: 'project_owner', role: 'director', count: 1 }],
        description: 'contracts of ¥50,000,000.00 or more also need the audit director',
      },
    },
    note: '',
  },
  approve_budget: {
    project: 'SC-2026-001',
    fiscal_year: 2026,
    lines: [{ code: '2140106', name: 'road maintenance and signals', amount_fen: 450_000_000 }],
    document_hash: null,
  },
};

test('examples survive value → draft → value unchanged (in 万元 and in yuan)', () => {
  for (const [name, value] of Object.entries(EXAMPLES)) {
    for (const unit of ['wan', 'yuan'] as const) {
      const field = payload(name);
      const back = draftToValue(field, valueToDraft(field, value, unit));
      assert.ok(back.ok, `${name}: ${JSON.stringify(!back.ok && back.errors)}`);
      assert.deepEqual(back.value, value, name);
    }
  }
});

test('bad input is reported at its field path', () => {
  const field = payload('sign_contract');
  let draft: Draft = valueToDraft(field, EXAMPLES.sign_contract);
  draft = updateAt(draft, ['amount_fen'], (d) => ({ ...d, raw: '43.2.1' }) as Draft);
  draft = updateAt(draft, ['milestones', 1, 'share_bp'], (d) => ({ ...d, raw: '150' }) as Draft);
  draft = updateAt(draft, ['document_hash'], (d) => ({ ...d, raw: 'xyz' }) as Draft);
  draft = updateAt(draft, ['id'], (d) => ({ ...d, raw: 'has space' }) as Draft);
  draft = updateAt(draft, ['contractor', 'name'], (d) => ({ ...d, raw: '  ' }) as Draft);
  const r = draftToValue(field, draft);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(
    r.errors.map((e) => [e.path, e.code]),
    [
      ['id', 'id_format'],
      ['contractor.name', 'required'],
      ['amount_fen', 'input'],
      ['milestones.1.share_bp', 'input'],
      ['document_hash', 'hash_format'],
    ],
  );
  // the partial value still carries what was parsable (for the live approval preview)
  assert.equal((r.value as { advance_share_bp: number }).advance_share_bp, 1000);
});

test('an empty form starts sensibly and optional fields are null until set', () => {
  const field = payload('approve_budget');
  const draft = emptyDraft(field);
  assert.equal(draft.k, 'object');
  if (draft.k !== 'object') return;
  assert.equal(draft.fields.lines.k, 'array');
  if (draft.fields.lines.k === 'array') assert.equal(draft.fields.lines.items.length, 1);
  assert.deepEqual(draft.fields.document_hash, { k: 'opt', set: false, inner: { k: 'text', raw: '' } });
  const r = draftToValue(field, draft);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal((r.value as { document_hash: null }).document_hash, null);
});

test('switching money units converts exactly and the amount is read for policies', () => {
  const d = { k: 'text' as const, raw: '12.5', unit: 'wan' as const };
  assert.deepEqual(switchMoneyUnit(d, 'yuan', false), { k: 'text', raw: '125000', unit: 'yuan' });
  assert.deepEqual(switchMoneyUnit({ ...d, raw: 'x' }, 'yuan', false).raw, 'x');
  const field = payload('request_disbursement');
  const draft = updateAt(emptyDraft(field), ['amount_fen'], () => d);
  assert.equal(moneyAt(draft, 'amount_fen'), 12_500_000);
});

test('a new field or kind gets a readable label; known ones are Chinese', () => {
  assert.equal(fieldLabel(tf, 'requested_budget_fen'), '申请预算');
  assert.equal(fieldLabel(tf, 'carbon_offset_fen'), 'Carbon offset');
  assert.equal(humanize('site_visit_count'), 'Site visit count');
  assert.equal(optionLabel(tf, 'open_tender'), '公开招标');
  assert.equal(optionLabel(tf, 'director'), '局长');
  assert.equal(optionLabel(tf, 'new_method', '磋商式询价.'), '磋商式询价');
  assert.equal(rejectionText(tf, 'over_budget'), '超出批复预算。');
  assert.equal(rejectionText(tf, 'something_new'), '规则校验未通过。');
});

test('a schema with nullable anyOf, plain string enums and unknown shapes still renders', () => {
  const defs = { E: { type: 'string', enum: ['a', 'b'] } };
  const f = fieldOf('x', { anyOf: [{ $ref: '#/$defs/E' }, { type: 'null' }] }, defs);
  assert.equal(f.type, 'enum');
  assert.equal(f.nullable, true);
  const weird = fieldOf('y', { oneOf: [{ type: 'string', enum: ['a', 'b'] }, { type: 'object', properties: { c: {}, d: {} } }] }, {});
  assert.equal(weird.type, 'json');
  const r = draftToValue(weird, { k: 'text', raw: '{"c":1}' });
  assert.deepEqual(r, { ok: true, value: { c: 1 } });
});
