// The auditor's desk's checkpoint watch, the browser twin of `gongxin audit watch`
// (client/src/watch.rs): the desk remembers the last checkpoint it verified and demands that the
// node's current one
//   1. is signed by more than 2/3 of the power of the set in force at its size — the genesis
//      set, or one reached from it through hand-overs, which must extend those already seen,
//   2. is not smaller than the remembered one (a rollback),
//   3. has the same root at the same size (else two logs were signed: a split view), and
//   4. when larger, extends it: the node's RFC 9162 consistency proof links the two roots.
// A checkpoint that passes is remembered; one that fails raises an alarm with the evidence and
// is not remembered. The first check trusts the node's checkpoint on first use, after its
// signatures. Everything here is pure; fetching and storage are the page's.

import { equalBytes, fromHex, toHex } from '../crypto/hex';
import { ConsistencyError, verifyConsistency } from './consistency';
import { canonicalize } from './jcs';
import { parseNote, type ListedValidator } from './note';
import { follow, verifyTrusted, type HandOver } from './valsets';

/** A checkpoint the desk verified. */
export interface Remembered {
  note: string;
  size: number;
  /** Hex of the root. */
  root: string;
  signers: string[];
  /** The hand-overs that verified it (none while the genesis set signs). */
  handovers: HandOver[];
  /** When it was verified (ms since the epoch). */
  at: number;
}

export type AlarmKind = 'invalid_checkpoint' | 'rollback' | 'inconsistent' | 'genesis_changed';

/** What the node did wrong, with the evidence to hand on. */
export interface Alarm {
  kind: AlarmKind;
  reason: string;
  at: number;
  trustedNote: string | null;
  presentedNote: string;
  consistencyPath: string[] | null;
}

export type Judgement =
  | { kind: 'first_use' | 'unchanged' | 'extended'; remembered: Remembered }
  | { kind: 'alarm'; alarm: Alarm };

/** What the node served for one check. */
export interface Presented {
  note: string;
  handovers: HandOver[];
}

/** Fetches the consistency path between two sizes from the node (hex hashes). */
export type FetchConsistency = (first: number, second: number) => Promise<string[]>;

/** Judges the node's checkpoint against the remembered one; see the file's head. */
export async function judge(
  listing: ListedValidator[],
  chainId: string,
  trusted: Remembered | null,
  presented: Presented,
  fetchConsistency: FetchConsistency,
  now: number,
): Promise<Judgement> {
  const alarm = (kind: AlarmKind, reason: string, consistencyPath: string[] | null = null): Judgement => ({
    kind: 'alarm',
    alarm: { kind, reason, at: now, trustedNote: trusted?.note ?? null, presentedNote: presented.note, consistencyPath },
  });
  let note;
  let signers: string[];
  try {
    note = parseNote(presented.note);
  } catch (error) {
    return alarm('invalid_checkpoint', `the node's checkpoint is not a valid signed note: ${message(error)}`);
  }
  if (trusted !== null && !extendsList(presented.handovers, trusted.handovers)) {
    return alarm(
      'inconsistent',
      'the node serves other validator-set hand-overs than those already verified: validator quorums signed two different histories',
    );
  }
  try {
    signers = verifyTrusted(follow(listing, `gongxin/${chainId}`, 'ledger', presented.handovers), note);
  } catch (error) {
    return alarm('invalid_checkpoint', `the checkpoint of size ${note.checkpoint.treeSize} is not valid for this genesis: ${message(error)}`);
  }
  const size = note.checkpoint.treeSize;
  const root = note.checkpoint.root;
  const remembered: Remembered = { note: presented.note, size, root: toHex(root), signers, handovers: presented.handovers, at: now };
  if (trusted === null) return { kind: 'first_use', remembered };
  const oldRoot = fromHex(trusted.root);
  if (size < trusted.size) {
    return alarm('rollback', `rollback: a validly signed checkpoint of ${size} entries, fewer than the ${trusted.size} already verified`);
  }
  if (size === trusted.size) {
    if (!equalBytes(root, oldRoot)) {
      return alarm(
        'inconsistent',
        `split view: two validly signed checkpoints of size ${size} with different roots (verified ${trusted.root}, now ${toHex(root)})`,
      );
    }
    return { kind: 'unchanged', remembered: { ...remembered, at: trusted.at } };
  }
  // Every log extends the empty one; RFC 9162 has no proof from it.
  if (trusted.size === 0) return { kind: 'extended', remembered };
  const path = await fetchConsistency(trusted.size, size);
  try {
    verifyConsistency(trusted.size, size, oldRoot, root, path.map((h) => fromHex(h)));
  } catch (error) {
    const why = error instanceof ConsistencyError ? error.message : message(error);
    return alarm(
      'inconsistent',
      `the checkpoint of size ${size} does not extend the verified one of size ${trusted.size}: ${why} (the log was rewritten, or two logs were signed)`,
      path,
    );
  }
  return { kind: 'extended', remembered };
}

/** Whether `served` starts with every hand-over of `known`, unchanged. */
function extendsList(served: HandOver[], known: HandOver[]): boolean {
  return known.length <= served.length && known.every((h, i) => canonicalize(h) === canonicalize(served[i]));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
