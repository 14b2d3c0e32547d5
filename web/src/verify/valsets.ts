// Validator sets across time (PROTOCOL.md v2; the twin of core/src/handover.rs): a set's
// identity is SM3 of the JCS text of its listing; a verifier that trusts the genesis set trusts
// each set a quorum of the one before named in a checkpoint's `validators` line, for the tree
// sizes from that hand-over on.

import { toHex, utf8 } from '../crypto/hex';
import { sm3 } from '../crypto/sm3';
import { canonicalize } from './jcs';
import { NoteError, parseNote, verifyQuorum, type ListedValidator, type SignedNote } from './note';

export interface HandOver {
  first_height: number;
  validators: ListedValidator[];
  checkpoint: string;
  public_checkpoint: string;
}

/** The part of `GET /v1/validator-sets`' answer a verifier reads. */
export interface ValidatorSetsAnswer {
  validator_sets?: { handover?: HandOver | null }[];
}

/** The hand-overs of `GET /v1/validator-sets`, oldest first (none while genesis's set signs). */
export function handoversOf(answer: ValidatorSetsAnswer): HandOver[] {
  return (answer.validator_sets ?? []).flatMap((set) => (set.handover ? [set.handover] : []));
}

/** The hex SM3(JCS(listing)) a checkpoint's `validators` line names. */
export function listingHash(listing: ListedValidator[]): string {
  return toHex(sm3(utf8(canonicalize(listing))));
}

/** The sets trusted, each from the tree size its hand-over was signed at. */
export interface TrustedSets {
  origin: string;
  eras: { from: number; listing: ListedValidator[] }[];
}

/** Follows `handovers` from the genesis listing for the log whose checkpoints carry `origin`. */
export function follow(
  genesis: ListedValidator[],
  origin: string,
  log: 'ledger' | 'public',
  handovers: HandOver[],
): TrustedSets {
  const eras = [{ from: 0, listing: genesis }];
  handovers.forEach((handover, index) => {
    const note = parseNote(log === 'ledger' ? handover.checkpoint : handover.public_checkpoint);
    const current = eras[eras.length - 1];
    const size = note.checkpoint.treeSize;
    if (size < current.from) throw new NoteError(`hand-over ${index} goes back to size ${size}`);
    verifyQuorum(note, origin, current.listing);
    const named = note.checkpoint.validators;
    if (named === undefined || named === listingHash(current.listing)) {
      throw new NoteError(`hand-over ${index} names no other validator set`);
    }
    if (listingHash(handover.validators) !== named) {
      throw new NoteError(`hand-over ${index}: the listing is not the set its checkpoint names`);
    }
    eras.push({ from: size, listing: handover.validators });
  });
  return { origin, eras };
}

/** Verifies a checkpoint against the sets trusted at its size; the signers' names. */
export function verifyTrusted(trusted: TrustedSets, note: SignedNote): string[] {
  const size = note.checkpoint.treeSize;
  const candidates = trusted.eras.filter((era) => era.from <= size).reverse();
  let lastError: unknown = new NoteError('no validator set covers this size');
  let eraStart = Number.NaN;
  for (const era of candidates) {
    // Only the outgoing sets of hand-overs signed at exactly this size also signed at it.
    if (!Number.isNaN(eraStart) && eraStart !== size) break;
    try {
      return verifyQuorum(note, trusted.origin, era.listing);
    } catch (error) {
      lastError = error;
    }
    eraStart = era.from;
  }
  throw lastError;
}
