// Unit tests of the inbox's reminder list: which alerts are yellow, whether I acknowledged one
// (by my current key or my first key, which rotations keep), and the order they are shown in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertTone, myAcknowledgement, sortAlerts } from '../src/app/pages/inbox/AlertsSection';
import type { Acknowledgement, AlertView } from '../src/app/components/records';
import type { WhoAmI } from '../src/app/session';

const me: WhoAmI = { name: '生态环境局专员', department: 'ecology', department_kind: 'line', role: 'specialist', public_key: 'ed25519:aa', reads_everything: false };

function ack(by: string, person: string): Acknowledgement {
  return { alert: 'd', by, person, name: 'x', department: 'ecology', role: 'specialist', height: 1, time_ms: 1, tx: 't', note: '' };
}

function view(digest: string, kind: string, time_ms: number, acknowledgements: Acknowledgement[] = []): AlertView {
  return {
    digest,
    kind: { alert: kind },
    project: null,
    record: 'rect/R-1',
    responsible_department: 'ecology',
    responsible_person: me.public_key,
    director: null,
    height: 1,
    time_ms,
    message: '',
    acknowledgements,
  };
}

test('due-soon reminders and the first budget threshold are yellow, the rest red', () => {
  assert.equal(alertTone('rectification_due_soon'), 'yellow');
  assert.equal(alertTone('milestone_due_soon'), 'yellow');
  assert.equal(alertTone('budget_use_80'), 'yellow');
  for (const kind of ['rectification_overdue', 'rectification_escalated', 'milestone_overdue', 'budget_use_100', 'over_budget_attempt']) {
    assert.equal(alertTone(kind), 'red', kind);
  }
});

test('my acknowledgement is found by my key or by my first key after a rotation', () => {
  assert.equal(myAcknowledgement(view('a', 'rectification_overdue', 1, [ack('ed25519:bb', 'ed25519:bb')]), me), undefined);
  assert.ok(myAcknowledgement(view('a', 'rectification_overdue', 1, [ack('ed25519:aa', 'ed25519:aa')]), me));
  assert.ok(myAcknowledgement(view('a', 'rectification_overdue', 1, [ack('ed25519:new', 'ed25519:aa')]), me));
});

test('alerts are shown newest first, unacknowledged first at the same time', () => {
  const sorted = sortAlerts([
    view('old', 'rectification_overdue', 1),
    view('seen', 'rectification_due_soon', 5, [ack('x', 'x')]),
    view('new', 'rectification_due_soon', 5),
  ]);
  assert.deepEqual(sorted.map((a) => a.digest), ['new', 'seen', 'old']);
});

test('alerts are said in Chinese from their figures, with what is left before a deadline', async () => {
  const { alertTextZh, leftText } = await import('../src/app/components/alertText');
  assert.equal(leftText(10 * 3_600_000, 0), '10 小时');
  assert.equal(leftText(50 * 3_600_000, 0), '2 天 2 小时');
  assert.equal(leftText(48 * 3_600_000, 0), '2 天');
  assert.equal(leftText(1000, 0), '不足 1 小时');
  const soon = view('a', 'rectification_due_soon', Date.UTC(2026, 11, 1, 0, 0));
  soon.kind = { alert: 'rectification_due_soon', task: 'HB-2026-002', deadline_ms: Date.UTC(2026, 11, 3, 4, 0) };
  assert.equal(
    alertTextZh(soon),
    '整改任务 HB-2026-002 将于 2026-12-03 12:00 到期（剩余 2 天 4 小时），请 ecology 按期提交整改材料。',
  );
  const budget = view('b', 'budget_use_80', 0);
  budget.project = 'SC-2026-075';
  budget.kind = { alert: 'budget_use_80', budget_fen: 764_000_000, used_fen: 702_880_000, use_bp: 9_200 };
  assert.equal(alertTextZh(budget), '项目 SC-2026-075 已支付 ¥7,028,800.00，占批复预算 ¥7,640,000.00 的 92%。');
  assert.equal(alertTextZh(view('c', 'some_new_kind', 0)), null);
});

test('the console says every alert as the webhooks do (the Rust golden file)', async () => {
  const { alertTextZh } = await import('../src/app/components/alertText');
  const { readFileSync } = await import('node:fs');
  const golden = JSON.parse(readFileSync(new URL('./fixtures/alert-texts.json', import.meta.url.replace('/build/test/', '/test/')), 'utf8')) as { alert: AlertView; zh: string }[];
  assert.equal(golden.length, 9, 'one alert of every kind');
  for (const { alert, zh } of golden) assert.equal(alertTextZh(alert), zh, alert.kind.alert);
});
