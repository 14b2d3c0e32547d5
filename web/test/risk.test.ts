// Unit tests of the project page's delay-risk card data: a risk answer is read safely (garbage
// becomes zeros, a missing risk keeps the node's reason) and the factor bars scale to the
// largest contribution, red for what raises the risk and green for what lowers it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { factorBars, normalizeRisk } from '../src/app/pages/projects/risk';

test('a scored answer keeps its figures and factors in order', () => {
  const a = normalizeRisk({
    project: 'P-1',
    height: 42,
    model: { version: 'delay-risk-v1', sm3: 'ab'.repeat(32), recorded_height: 12 },
    risk: {
      probability_bp: 7200,
      level: 'high',
      summary_zh: '延期风险 72%（高）：验收进度落后计划 16 个百分点',
      factors: [
        { feature: 'schedule_gap', value: 16.15, contribution: 1.2, text_zh: '验收进度落后计划 16 个百分点', text_en: 'behind' },
        { feature: 'payment_lag', value: 3, contribution: -0.4, text_zh: '拨付从批准到支付平均 3 天', text_en: 'lag' },
      ],
    },
    not_scored: null,
  });
  assert.equal(a.height, 42);
  assert.equal(a.model.recorded_height, 12);
  assert.equal(a.risk?.level, 'high');
  assert.deepEqual(a.risk?.factors.map((f) => f.feature), ['schedule_gap', 'payment_lag']);
  assert.equal(a.not_scored, '');
  assert.deepEqual(factorBars(a.risk!.factors), [
    { reach_pct: 50, raises: true },
    { reach_pct: 16.7, raises: false },
  ]);
});

test('an unscored or malformed answer says why and never throws', () => {
  const a = normalizeRisk({ risk: null, not_scored: '仅评估已签约、实施中或暂停的项目' });
  assert.equal(a.risk, null);
  assert.match(a.not_scored, /仅评估/);
  const b = normalizeRisk({ risk: { probability_bp: 99_999, level: 'huge', factors: 'x' } });
  assert.equal(b.risk?.probability_bp, 10_000);
  assert.equal(b.risk?.level, 'high');
  assert.deepEqual(b.risk?.factors, []);
  assert.deepEqual(normalizeRisk(null).model, { version: '', sm3: '', recorded_height: null });
  assert.deepEqual(factorBars([]), []);
  assert.deepEqual(factorBars([{ feature: 'x', value: 0, contribution: 0, text_zh: '', text_en: '' }]), [{ reach_pct: 0, raises: false }]);
});
