// Unit tests for the rectification traffic light (src/app/components/light.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { light, DAY_MS } from '../src/app/components/light';

const NOW = Date.UTC(2026, 4, 10, 4, 0, 0);

test('an open task past its deadline is red with whole days overdue, rounded up', () => {
  assert.deepEqual(light(NOW - 1, 'open', NOW), { color: 'red', days: 1 });
  assert.deepEqual(light(NOW - DAY_MS, 'open', NOW), { color: 'red', days: 1 });
  assert.deepEqual(light(NOW - DAY_MS - 1, 'open', NOW), { color: 'red', days: 2 });
  assert.deepEqual(light(NOW - 10 * DAY_MS, 'reopened', NOW), { color: 'red', days: 10 });
});

test('due within three days is yellow, the deadline instant itself included', () => {
  assert.deepEqual(light(NOW, 'open', NOW), { color: 'yellow', days: 0 });
  assert.deepEqual(light(NOW + 1, 'open', NOW), { color: 'yellow', days: 1 });
  assert.deepEqual(light(NOW + 3 * DAY_MS, 'reopened', NOW), { color: 'yellow', days: 3 });
});

test('more than three days left is green', () => {
  assert.deepEqual(light(NOW + 3 * DAY_MS + 1, 'open', NOW), { color: 'green', days: 4 });
  assert.deepEqual(light(NOW + 30 * DAY_MS, 'open', NOW), { color: 'green', days: 30 });
});

test('a submitted task waits on the verifier: green even past its deadline', () => {
  assert.equal(light(NOW - 5 * DAY_MS, 'submitted', NOW).color, 'green');
  assert.equal(light(NOW + 1, 'submitted', NOW).color, 'green');
});

test('a verified task is done, whatever its deadline', () => {
  assert.deepEqual(light(NOW - 5 * DAY_MS, 'verified', NOW), { color: 'done', days: 0 });
  assert.deepEqual(light(NOW + 5 * DAY_MS, 'verified', NOW), { color: 'done', days: 0 });
});
