// A node's operation log checked in the browser, the twin of core::access_log's ChainVerifier
// (and of `gongxin access-log verify`): record n moves the head from head(n) to
// SM3("gongxin/access-log/v1" ‖ 0x00 ‖ head(n) ‖ canonical(record n)), head(0) all zeros; the
// records must follow their start point with consecutive seq, each stored head must be the
// recomputed one, every anchor the ledger holds within the range must match, and none may lie
// beyond the last record (anchored records deleted). A start other than genesis must be anchored.

import { concatBytes, equalBytes, fromHex, toHex, utf8 } from '../crypto/hex';
import { sm3 } from '../crypto/sm3';

export interface ChainPoint {
  count: number;
  head: string;
}

export interface ChainedRecord {
  seq: number;
  at_ms: number;
  kind: 'read' | 'admission';
  actor: string;
  department: string;
  target: string;
  outcome: string;
  head: string;
}

export interface ChainReport {
  start: ChainPoint;
  end: ChainPoint;
  anchorsMatched: number;
  lastAnchor: ChainPoint | null;
  /** Records after the newest anchor: a chain, but nothing on the ledger fixes them yet. */
  unanchored: number;
}

export class ChainBreak extends Error {}

const DOMAIN = utf8('gongxin/access-log/v1');
const KIND_INDEX = { read: 0, admission: 1 } as const;
export const GENESIS_POINT: ChainPoint = { count: 0, head: '00'.repeat(32) };

function u64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

function text(s: string): Uint8Array {
  const bytes = utf8(s);
  return concatBytes(u64(bytes.length), bytes);
}

/** The canonical encoding of a record (core/src/encoding.rs: fixed-width big-endian). */
export function encodeRecord(r: Omit<ChainedRecord, 'head'>): Uint8Array {
  const kind = new Uint8Array(4);
  new DataView(kind.buffer).setUint32(0, KIND_INDEX[r.kind]);
  return concatBytes(u64(r.seq), u64(r.at_ms), kind, text(r.actor), text(r.department), text(r.target), text(r.outcome));
}

export function nextHead(previous: string, record: Omit<ChainedRecord, 'head'>): string {
  return toHex(sm3(concatBytes(DOMAIN, new Uint8Array([0]), fromHex(previous), encodeRecord(record))));
}

/** Checks `records` from `start` against the ledger's `anchors` (any order). */
export function verifyChain(start: ChainPoint, records: ChainedRecord[], anchors: ChainPoint[]): ChainReport {
  const fromAnchor = start.count !== 0 || start.head !== GENESIS_POINT.head;
  const same = (a: ChainPoint, b: ChainPoint) => a.count === b.count && equalBytes(fromHex(a.head), fromHex(b.head));
  if (fromAnchor && !anchors.some((a) => same(a, start))) {
    throw new ChainBreak(`the records start after ${start.count} records, but no anchor confirms that point (records before it were removed or altered)`);
  }
  const ahead = anchors
    .filter((a, i) => a.count > start.count && anchors.findIndex((b) => same(a, b)) === i)
    .sort((a, b) => a.count - b.count);
  let point = start;
  let matched = fromAnchor ? 1 : 0;
  let lastAnchor: ChainPoint | null = fromAnchor ? start : null;
  for (const r of records) {
    if (r.kind !== 'read' && r.kind !== 'admission') throw new ChainBreak(`record ${r.seq} has an unknown kind`);
    if (r.seq !== point.count) throw new ChainBreak(`record ${r.seq} is where record ${point.count} should be (records deleted or reordered)`);
    point = { count: point.count + 1, head: nextHead(point.head, r) };
    if (r.head !== point.head) throw new ChainBreak(`record ${r.seq} does not produce the head stored with it (the record or its head was edited)`);
    while (ahead.length > 0 && ahead[0].count === point.count) {
      const anchor = ahead.shift() as ChainPoint;
      if (anchor.head !== point.head) {
        throw new ChainBreak(`after ${point.count} records the chain's head is ${point.head}, but the ledger anchored ${anchor.head}`);
      }
      matched += 1;
      lastAnchor = anchor;
    }
  }
  if (ahead.length > 0) {
    throw new ChainBreak(`the ledger anchored ${ahead[ahead.length - 1].count} records but only ${point.count} are present (records deleted)`);
  }
  return { start, end: point, anchorsMatched: matched, lastAnchor, unanchored: point.count - (lastAnchor ?? start).count };
}
