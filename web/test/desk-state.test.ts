// What the auditor's desk keeps in the browser (src/app/pages/audit/deskState.ts): kept and
// read back, started afresh when unreadable, the genesis trusted on first use and an alarm
// when it changes, events only when the log changed, alarms kept until cleared, bounded.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALARMS_MAX, EVENTS_MAX, clearAlarms, emptyState, load, save, storageKey, withGenesis, withJudgement } from '../src/app/pages/audit/deskState';
import type { Judgement, Remembered } from '../src/verify/watch';

function memory(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, v),
  };
}

const seen = (size: number, at = 1): Remembered => ({ note: `note ${size}`, size, root: size.toString(16).padStart(64, '0'), signers: ['v1', 'v2', 'v3'], handovers: [], at });
const ok = (kind: 'first_use' | 'unchanged' | 'extended', size: number): Judgement => ({ kind, remembered: seen(size) });
const alarm = (at: number, presentedNote = `b ${at}`): Judgement => ({
  kind: 'alarm',
  alarm: { kind: 'rollback', reason: 'fewer', at, trustedNote: 'a', presentedNote, consistencyPath: null },
});

test('the state is kept per chain and read back; an unreadable one starts afresh', () => {
  const storage = memory();
  assert.deepEqual(load(storage, 'city'), { state: emptyState('city'), reset: false });
  const state = withJudgement(withGenesis(emptyState('city'), 'ab'.repeat(32), 1).state, ok('first_use', 5), 2);
  save(storage, state);
  assert.deepEqual(load(storage, 'city'), { state, reset: false });
  assert.equal(load(storage, 'town').state.trusted, null, 'another chain has its own state');
  storage.setItem(storageKey('city'), '{not json');
  assert.deepEqual(load(storage, 'city'), { state: emptyState('city'), reset: true });
  storage.setItem(storageKey('city'), JSON.stringify({ ...state, version: 2 }));
  assert.equal(load(storage, 'city').reset, true);
});

test('the genesis is trusted on first use and a different one raises an alarm', () => {
  const first = withGenesis(emptyState('city'), 'aa', 1);
  assert.equal(first.alarm, null);
  assert.equal(first.state.genesisHash, 'aa');
  assert.equal(withGenesis(first.state, 'aa', 2).alarm, null);
  const changed = withGenesis(first.state, 'bb', 3);
  assert.equal(changed.alarm?.kind, 'genesis_changed');
  assert.equal(changed.state.genesisHash, 'aa', 'the trusted hash stays');
  assert.equal(changed.state.alarms.length, 1);
});

test('events record changes only; alarms stay until cleared; both are bounded', () => {
  let state = withJudgement(emptyState('city'), ok('first_use', 5), 1);
  state = withJudgement(state, ok('unchanged', 5), 2);
  state = withJudgement(state, ok('extended', 9), 3);
  assert.deepEqual(state.events.map((e) => [e.kind, e.size, e.from]), [['extended', 9, 5], ['first_use', 5, undefined]]);
  assert.equal(state.lastChecked, 3);
  assert.equal(state.trusted?.size, 9);
  state = withJudgement(state, alarm(4), 4);
  assert.equal(state.trusted?.size, 9, 'an alarm does not replace what was verified');
  assert.equal(state.alarms.length, 1);
  assert.equal(state.events[0].kind, 'alarm');
  const cleared = clearAlarms(state);
  assert.equal(cleared.alarms.length, 0);
  assert.equal(cleared.events[0].kind, 'alarm', 'the record keeps a trace');
  for (let i = 0; i < EVENTS_MAX + ALARMS_MAX; i++) state = withJudgement(state, alarm(10 + i), 10 + i);
  assert.equal(state.alarms.length, ALARMS_MAX);
  assert.equal(state.events.length, EVENTS_MAX);
  assert.equal(state.alarms[0].at, 10 + EVENTS_MAX + ALARMS_MAX - 1, 'newest first');
  assert.equal(state.alarms[ALARMS_MAX - 1].at, 4, 'the first alarm, the oldest evidence, stays');
});

test('the same alarm coming back at every check is kept once', () => {
  let state = withJudgement(emptyState('city'), ok('first_use', 5), 1);
  for (let minute = 0; minute < 10; minute++) state = withJudgement(state, alarm(100 + minute, 'the same note'), 100 + minute);
  assert.equal(state.alarms.length, 1);
  assert.equal(state.alarms[0].at, 100, 'the first time it was seen');
  assert.equal(state.events.filter((e) => e.kind === 'alarm').length, 1);
  assert.equal(state.lastChecked, 109, 'each check is still recorded');
});
