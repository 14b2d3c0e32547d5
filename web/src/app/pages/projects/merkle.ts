// RFC 9162 Merkle inclusion check with SM3, as the ledger's log uses it: leaf = SM3(0x00‖entry),
// node = SM3(0x01‖left‖right); the audit path is folded by leaf index and tree size (§2.1.3.2).
// Also parses the checkpoint note's body (origin, tree size, base64 root). Used by the
// "verify" button on the project timeline; unit-tested in test/app-merkle.test.ts.
import { sm3Parts } from '../../../crypto/sm3';
import { equalBytes } from '../../../crypto/hex';

const LEAF = new Uint8Array([0x00]);
const NODE = new Uint8Array([0x01]);

export function leafHash(entry: Uint8Array): Uint8Array {
  return sm3Parts(LEAF, entry);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sm3Parts(NODE, left, right);
}

/** Why a proof does not hold (`ok: true` when it does). */
export type FoldResult =
  | { ok: true; root: Uint8Array }
  | { ok: false; why: 'index_out_of_range' | 'path_too_long' | 'path_too_short' | 'bad_hash' };

/** Every hash of the log is 32 bytes; anything else in a proof is refused, never folded. */
export const HASH_BYTES = 32;

/** Fold `path` from `leaf` up to the root of a tree of `treeSize` leaves (RFC 9162 §2.1.3.2). */
export function rootFromInclusion(leaf: Uint8Array, leafIndex: number, treeSize: number, path: Uint8Array[]): FoldResult {
  if (!(leafIndex >= 0 && leafIndex < treeSize)) return { ok: false, why: 'index_out_of_range' };
  if (leaf.length !== HASH_BYTES || path.some((p) => p.length !== HASH_BYTES)) return { ok: false, why: 'bad_hash' };
  // Sizes up to 2^53 fit a JS number exactly; BigInt keeps the shifts exact beyond 2^31.
  let fn = BigInt(leafIndex);
  let sn = BigInt(treeSize - 1);
  let r = leaf;
  for (const p of path) {
    if (sn === 0n) return { ok: false, why: 'path_too_long' };
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return { ok: false, why: 'path_too_short' };
  return { ok: true, root: r };
}

export interface CheckpointBody {
  origin: string;
  treeSize: number;
  root: Uint8Array;
}

/** The first three lines of a checkpoint note: `gongxin/<chain>`, size, base64 root. */
export function parseCheckpoint(note: string): CheckpointBody {
  const lines = note.split('\n');
  if (lines.length < 3 || !lines[0].startsWith('gongxin/')) throw new Error('not a gongxin checkpoint');
  if (!/^\d+$/.test(lines[1])) throw new Error('checkpoint tree size is not a number');
  const bin = atob(lines[2].trim());
  const root = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  if (root.length !== 32) throw new Error('checkpoint root is not 32 bytes');
  return { origin: lines[0], treeSize: Number(lines[1]), root };
}

export type Verdict =
  | { ok: true; leafIndex: number; treeSize: number }
  | { ok: false; why: 'index_out_of_range' | 'path_too_long' | 'path_too_short' | 'bad_hash' | 'size_mismatch' | 'root_mismatch' | 'other_tx'; detail?: string };

/** Whether `entry` is leaf `leafIndex` of the checkpoint's tree, given the audit path. */
export function verifyInclusion(
  entry: Uint8Array,
  leafIndex: number,
  treeSize: number,
  path: Uint8Array[],
  checkpoint: CheckpointBody,
): Verdict {
  if (treeSize !== checkpoint.treeSize) {
    return { ok: false, why: 'size_mismatch', detail: `${treeSize} ≠ ${checkpoint.treeSize}` };
  }
  const folded = rootFromInclusion(leafHash(entry), leafIndex, treeSize, path);
  if (!folded.ok) return folded;
  if (!equalBytes(folded.root, checkpoint.root)) return { ok: false, why: 'root_mismatch' };
  return { ok: true, leafIndex, treeSize };
}

/**
 * Whether a log entry (height u64 ‖ SignedTx ‖ outcome, core/src/entry.rs) carries the
 * transaction whose hash is `txHashHex` (SM3 of the TxBody bytes, which start at offset 8 and
 * are followed by the signature's enum tag). Without a decoder, every end position followed by
 * a plausible tag (u32 0 or 1) is tried; a proof for a different entry fails here.
 */
export function entryHasTx(entry: Uint8Array, txHashHex: string): boolean {
  const want = txHashHex.toLowerCase();
  for (let k = entry.length - 4; k > 8; k--) {
    if (entry[k] !== 0 || entry[k + 1] !== 0 || entry[k + 2] !== 0 || entry[k + 3] > 1) continue;
    if (toHexLocal(sm3Parts(entry.subarray(8, k))) === want) return true;
  }
  return false;
}

function toHexLocal(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
