// One public record in the signed public log (PROTOCOL.md v2): the leaf is rebuilt from the
// view the page shows (with the chain, kind and id the page names, and the height and
// transaction of the leaf the proof carries), hashed with SM3 and folded up its audit path to
// the public checkpoint's root. The checkpoint's signatures are verify/page.ts's to check.

import { equalBytes, fromHex, utf8 } from '../crypto/hex';
import { leafHash, rootFromInclusion } from '../app/pages/projects/merkle';
import { canonicalize } from './jcs';
import { NoteError, type SignedNote } from './note';

export interface PublicProof {
  leaf_index: number;
  tree_size: number;
  leaf: string;
  audit_path: string[];
}

/**
 * Checks that `view` of record `kind`/`id` is, rebuilt as its JCS leaf, the leaf `proof` folds
 * up to the root `note` signs (the signatures are the caller's to check); the leaf's height.
 */
export function leafInLog(
  note: SignedNote,
  chainId: string,
  kind: string,
  id: string,
  view: unknown,
  proof: PublicProof,
): number {
  const served = JSON.parse(proof.leaf) as Record<string, unknown>;
  if (typeof served.tx !== 'string' || !Number.isSafeInteger(served.height)) {
    throw new NoteError('the proof\u2019s leaf has no height or transaction');
  }
  const rebuilt = canonicalize({ chain: chainId, height: served.height, tx: served.tx, kind, id, view });
  if (note.checkpoint.treeSize !== proof.tree_size) {
    throw new NoteError('the proof is for another size than the checkpoint');
  }
  const folded = rootFromInclusion(
    leafHash(utf8(rebuilt)),
    proof.leaf_index,
    proof.tree_size,
    proof.audit_path.map((hex) => fromHex(hex)),
  );
  if (!folded.ok || !equalBytes(folded.root, note.checkpoint.root)) {
    throw new NoteError('the record as shown is not the leaf the signed log holds');
  }
  return Number(served.height);
}
