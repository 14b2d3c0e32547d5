// RFC 9162 §2.1.4.2: verifying that the log of `first` leaves with root `firstRoot` is a prefix
// of the log of `second` leaves with root `secondRoot`, given the consistency path the node
// served (the twin of core::log::verify_consistency). Sizes go through BigInt: JavaScript's
// bit operators are 32-bit, tree sizes are not.

import { equalBytes } from '../crypto/hex';
import { HASH_BYTES, nodeHash } from '../app/pages/projects/merkle';

export class ConsistencyError extends Error {}

export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  path: Uint8Array[],
): void {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 1 || first > second) {
    throw new ConsistencyError(`no consistency proof runs from size ${first} to ${second}`);
  }
  // A shorter or longer "hash" could make a non-Merkle root fold to the signed one.
  if ([firstRoot, secondRoot, ...path].some((h) => h.length !== HASH_BYTES)) {
    throw new ConsistencyError('a root or a hash of the consistency path is not 32 bytes');
  }
  if (first === second) {
    if (path.length !== 0) throw new ConsistencyError('a proof between equal sizes is empty');
    if (!equalBytes(firstRoot, secondRoot)) throw new ConsistencyError(`two different roots for size ${first}`);
    return;
  }
  // Step 2: a power-of-two old tree is a complete subtree of the new one, and the path omits it.
  const [seed, rest] = isPowerOfTwo(BigInt(first)) ? [firstRoot, path] : [path[0], path.slice(1)];
  if (seed === undefined) throw new ConsistencyError('the consistency path is empty');
  // Step 3, 4.
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  // Step 5, 6.
  let fr = seed;
  let sr = seed;
  for (const c of rest) {
    if (sn === 0n) throw new ConsistencyError('the consistency path is too long');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // Step 7.
  if (sn !== 0n) throw new ConsistencyError('the consistency path is too short');
  if (!equalBytes(fr, firstRoot)) throw new ConsistencyError('the path does not lead to the earlier root');
  if (!equalBytes(sr, secondRoot)) throw new ConsistencyError('the path does not lead to the later root');
}

function isPowerOfTwo(n: bigint): boolean {
  return n > 0n && (n & (n - 1n)) === 0n;
}
