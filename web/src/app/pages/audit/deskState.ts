// What the auditor's desk keeps in this browser (localStorage), the twin of `audit watch`'s
// state directory: the genesis hash trusted on first use, the last verified checkpoint, the
// events that changed it, and every alarm with its evidence until an auditor clears it. Pure
// functions over a plain object; the page reads and writes it through `load` / `save`.

import type { Alarm, Judgement, Remembered } from '../../../verify/watch';

/** Events and alarms kept at most (the oldest go first). */
export const EVENTS_MAX = 200;
export const ALARMS_MAX = 50;

export interface DeskEvent {
  at: number;
  kind: 'first_use' | 'extended' | 'alarm';
  size: number;
  root: string;
  signers: string[];
  /** The size the log grew from (`extended`). */
  from?: number;
  reason?: string;
}

export interface DeskState {
  version: 1;
  chainId: string;
  /** The genesis hash seen on first use; a different one later is an alarm. */
  genesisHash: string | null;
  trusted: Remembered | null;
  lastChecked: number | null;
  events: DeskEvent[];
  alarms: Alarm[];
}

export function emptyState(chainId: string): DeskState {
  return { version: 1, chainId, genesisHash: null, trusted: null, lastChecked: null, events: [], alarms: [] };
}

/** The storage key of a chain's desk state (localStorage is already per node origin). */
export function storageKey(chainId: string): string {
  return `gongxin.audit-desk.${chainId}`;
}

/** Reads the kept state; a missing or unreadable one starts afresh (and says so). */
export function load(storage: Pick<Storage, 'getItem'>, chainId: string): { state: DeskState; reset: boolean } {
  const text = storage.getItem(storageKey(chainId));
  if (text === null) return { state: emptyState(chainId), reset: false };
  try {
    const state = JSON.parse(text) as DeskState;
    if (state?.version !== 1 || state.chainId !== chainId || !Array.isArray(state.events) || !Array.isArray(state.alarms)) {
      throw new Error('another shape');
    }
    return { state, reset: false };
  } catch {
    return { state: emptyState(chainId), reset: true };
  }
}

export function save(storage: Pick<Storage, 'setItem'>, state: DeskState): void {
  storage.setItem(storageKey(state.chainId), JSON.stringify(state));
}

/** The state after a check of the genesis the node serves (hash recomputed in the browser). */
export function withGenesis(state: DeskState, hash: string, now: number): { state: DeskState; alarm: Alarm | null } {
  if (state.genesisHash === null) return { state: { ...state, genesisHash: hash }, alarm: null };
  if (state.genesisHash === hash) return { state, alarm: null };
  const alarm: Alarm = {
    kind: 'genesis_changed',
    reason: `the node now serves a genesis that hashes to ${hash}, not the ${state.genesisHash} trusted on first use`,
    at: now,
    trustedNote: null,
    presentedNote: '',
    consistencyPath: null,
  };
  return { state: raise(state, alarm), alarm };
}

/** The state after a judgement of the node's checkpoint. */
export function withJudgement(state: DeskState, judgement: Judgement, now: number): DeskState {
  const checked = { ...state, lastChecked: now };
  if (judgement.kind === 'alarm') return raise(checked, judgement.alarm);
  const r = judgement.remembered;
  if (judgement.kind === 'unchanged') return { ...checked, trusted: r };
  const event: DeskEvent = {
    at: now,
    kind: judgement.kind,
    size: r.size,
    root: r.root,
    signers: r.signers,
    ...(judgement.kind === 'extended' && state.trusted ? { from: state.trusted.size } : {}),
  };
  return { ...checked, trusted: r, events: [event, ...state.events].slice(0, EVENTS_MAX) };
}

/** Clears the alarms (an auditor has handed the evidence on); the events keep a trace. */
export function clearAlarms(state: DeskState): DeskState {
  return { ...state, alarms: [] };
}

/**
 * The state with `alarm` raised. A check repeats every minute and an alarm does not change what
 * was verified, so the same alarm (kind and notes) comes back each time: it is kept once. When
 * the list is full the newest uncleared alarm gives way, never the first: the oldest evidence
 * is what an auditor hands on.
 */
function raise(state: DeskState, alarm: Alarm): DeskState {
  const repeat = state.alarms.some(
    (a) => a.kind === alarm.kind && a.trustedNote === alarm.trustedNote && a.presentedNote === alarm.presentedNote && a.reason === alarm.reason,
  );
  if (repeat) return state;
  const kept = state.alarms.length >= ALARMS_MAX ? state.alarms.slice(1) : state.alarms;
  const event: DeskEvent = { at: alarm.at, kind: 'alarm', size: state.trusted?.size ?? 0, root: state.trusted?.root ?? '', signers: [], reason: alarm.reason };
  return {
    ...state,
    alarms: [alarm, ...kept],
    events: [event, ...state.events].slice(0, EVENTS_MAX),
  };
}
