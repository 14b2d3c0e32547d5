// zh-CN money, shares and Beijing times, both directions, and the errors for bad input.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  InputError,
  formatBp,
  formatDate,
  formatDateTime,
  formatWan,
  formatYuan,
  parseDate,
  parseDateTime,
  parsePercent,
  parseWan,
  parseYuan,
} from '../src/api/format';

function inputError(run: () => unknown, en: RegExp): void {
  assert.throws(run, (error: unknown) => error instanceof InputError && en.test(error.en) && error.zh.length > 0);
}

test('fen as yuan and 万元', () => {
  assert.equal(formatYuan(123456), '¥1,234.56');
  assert.equal(formatYuan(0), '¥0.00');
  assert.equal(formatYuan(-5), '-¥0.05');
  assert.equal(formatYuan(1_250_000_000n), '¥12,500,000.00');
  assert.equal(formatWan(1_234_500_000), '1,234.50 万元');
  assert.equal(formatWan(12_345_000), '12.35 万元');
  assert.equal(formatWan(-12_345_000), '-12.35 万元');
  assert.equal(formatWan(4_999), '0.00 万元');
});

test('basis points as percent', () => {
  assert.equal(formatBp(1234), '12.34%');
  assert.equal(formatBp(10_000), '100.00%');
  assert.equal(formatBp(5), '0.05%');
});

test('parsing 万元 and yuan exactly, without float rounding', () => {
  assert.equal(parseWan('12.5'), 12_500_000);
  assert.equal(parseWan('12.5 万元'), 12_500_000);
  assert.equal(parseWan('1,234.567891万'), 1_234_567_891);
  assert.equal(parseWan('０.１'), 100_000);
  assert.equal(parseWan('0.000001'), 1);
  assert.equal(parseWan('.5'), 500_000);
  assert.equal(parseYuan('¥1,234.56'), 123_456);
  assert.equal(parseYuan('0.29元'), 29);
  assert.equal(parseYuan('1.1'), 110);
  assert.equal(parseWan('-3', { signed: true }), -3_000_000);
});

test('bad money input is refused with a reason', () => {
  inputError(() => parseWan(''), /enter an amount/);
  inputError(() => parseWan('12.5.1'), /enter an amount/);
  inputError(() => parseWan('abc'), /enter an amount/);
  inputError(() => parseWan('0.0000001'), /at most 6 decimals/);
  inputError(() => parseYuan('1.234'), /at most 2 decimals/);
  inputError(() => parseWan('-3'), /cannot be negative/);
  inputError(() => parseYuan('1e5'), /enter an amount/);
  inputError(() => parseWan('99999999999'), /too large/);
});

test('percent to basis points', () => {
  assert.equal(parsePercent('12.34'), 1234);
  assert.equal(parsePercent('12.34%'), 1234);
  assert.equal(parsePercent('100'), 10_000);
  assert.equal(parsePercent('0.1'), 10);
  inputError(() => parsePercent('100.01'), /too large/);
  inputError(() => parsePercent('1.234'), /at most 2 decimals/);
  inputError(() => parsePercent('-1'), /cannot be negative/);
});

test('Beijing dates and times, both directions', () => {
  const ms = Date.UTC(2026, 11, 2, 12, 16);
  assert.equal(formatDateTime(ms), '2026-12-02 20:16');
  assert.equal(formatDate(ms), '2026-12-02');
  assert.equal(formatDate(Date.UTC(2026, 11, 2, 16, 0)), '2026-12-03', 'past midnight in Beijing');
  assert.equal(parseDateTime('2026-12-02 20:16'), ms);
  assert.equal(parseDateTime('2026-12-02T20:16'), ms);
  assert.equal(parseDate('2026-12-02'), Date.UTC(2026, 11, 1, 16, 0));
  assert.equal(formatDate(parseDate('2026-01-01')), '2026-01-01');
});

test('bad dates are refused', () => {
  inputError(() => parseDate('2026/12/02'), /enter a date/);
  inputError(() => parseDate('2026-12-02 20:16'), /enter a date/);
  inputError(() => parseDate('2026-02-30'), /no such date/);
  inputError(() => parseDateTime('2026-12-02 24:00'), /no such date or time/);
  inputError(() => formatDate(Number.NaN), /not a valid time/);
});
