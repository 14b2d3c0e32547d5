// A proof bundle (`gongxin proof`'s file, core::audit::ProofBundle) checked in the browser from
// the genesis validators: the checkpoint carries a quorum of the set trusted through the
// bundle's hand-overs, the entry folds up its audit path to the checkpoint's root, and the
// entry holds the transaction the bundle names. The entry's own signature is not decoded here;
// `gongxin verify` checks that too.

import { fromHex } from '../crypto/hex';
import { entryHasTx, rootFromInclusion, leafHash } from '../app/pages/projects/merkle';
import { equalBytes } from '../crypto/hex';
import { NoteError, parseNote, type ListedValidator } from './note';
import { follow, verifyTrusted, type HandOver } from './valsets';

export interface ProofBundle {
  tx_hash: string;
  proof: { leaf_index: number; tree_size: number; entry: string; audit_path: string[] };
  checkpoint: string;
  handovers?: HandOver[];
}

export interface BundleVerdict {
  txHash: string;
  leafIndex: number;
  treeSize: number;
  signers: string[];
  handovers: number;
}

/** Reads a bundle file's text; throws saying what is missing. */
export function parseBundle(text: string): ProofBundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new NoteError('the file is not JSON (a proof bundle is the file `gongxin proof` writes)');
  }
  const b = value as Partial<ProofBundle>;
  const p = b?.proof;
  if (
    typeof b?.tx_hash !== 'string' ||
    typeof b.checkpoint !== 'string' ||
    !p ||
    !Number.isSafeInteger(p.leaf_index) ||
    !Number.isSafeInteger(p.tree_size) ||
    typeof p.entry !== 'string' ||
    !Array.isArray(p.audit_path)
  ) {
    throw new NoteError('not a proof bundle: it needs tx_hash, checkpoint and proof {leaf_index, tree_size, entry, audit_path}');
  }
  return b as ProofBundle;
}

/** Verifies `bundle` against the genesis `listing` of chain `chainId`. */
export function verifyBundle(listing: ListedValidator[], chainId: string, bundle: ProofBundle): BundleVerdict {
  const note = parseNote(bundle.checkpoint);
  const handovers = bundle.handovers ?? [];
  const signers = verifyTrusted(follow(listing, `gongxin/${chainId}`, 'ledger', handovers), note);
  const { proof } = bundle;
  if (proof.tree_size !== note.checkpoint.treeSize) {
    throw new NoteError(`the proof is for size ${proof.tree_size}, the checkpoint for ${note.checkpoint.treeSize}`);
  }
  const entry = fromHex(proof.entry);
  const folded = rootFromInclusion(leafHash(entry), proof.leaf_index, proof.tree_size, proof.audit_path.map((h) => fromHex(h)));
  if (!folded.ok || !equalBytes(folded.root, note.checkpoint.root)) {
    throw new NoteError('the entry is not in the log the checkpoint signs (its audit path does not lead to the root)');
  }
  if (!entryHasTx(entry, bundle.tx_hash)) throw new NoteError(`the entry does not hold transaction ${bundle.tx_hash}`);
  return { txHash: bundle.tx_hash, leafIndex: proof.leaf_index, treeSize: proof.tree_size, signers, handovers: handovers.length };
}
