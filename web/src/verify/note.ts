// C2SP signed notes as gongxin's checkpoints use them (core/src/checkpoint): the body
// (origin, tree size, base64 root, optional `validators <hex>` line) and the signature lines;
// key ids and quorum verification against a validator listing (PROTOCOL.md).

import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, fromHex, toHex, utf8 } from '../crypto/hex';
import { verifySignature, taggedText } from '../crypto/keys';
import type { Algorithm } from '../crypto/keys';

export class NoteError extends Error {}

/** One validator as PROTOCOL.md lists it. */
export interface ListedValidator {
  name: string;
  department: string;
  algorithm: Algorithm;
  public_key: string;
  power: number;
}

export interface Checkpoint {
  origin: string;
  treeSize: number;
  root: Uint8Array;
  /** The `validators` line: the set that signs the next block's checkpoint. */
  validators?: string;
  /** The exact signed text (body lines, each ending in "\n"). */
  body: string;
}

export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  signature: Uint8Array;
}

export interface SignedNote {
  checkpoint: Checkpoint;
  signatures: NoteSignature[];
}

function base64Decode(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new NoteError('not base64');
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Parses a checkpoint note; says nothing of its signatures. */
export function parseNote(note: string): SignedNote {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new NoteError('no blank line before the signatures');
  const bodyLines = note.slice(0, split).split('\n');
  if (bodyLines.length < 3 || bodyLines.length > 4) throw new NoteError('a checkpoint body has 3 or 4 lines');
  const [origin, size, root, extension] = bodyLines;
  if (!/^(0|[1-9][0-9]*)$/.test(size)) throw new NoteError('the tree size is not a canonical decimal');
  const rootBytes = base64Decode(root);
  if (rootBytes.length !== 32) throw new NoteError('the root is not 32 bytes');
  let validators: string | undefined;
  if (extension !== undefined) {
    const match = /^validators ([0-9a-f]{64})$/.exec(extension);
    if (!match) throw new NoteError('an extension line this verifier does not know');
    validators = match[1];
  }
  const signatureBlock = note.slice(split + 2);
  if (!signatureBlock.endsWith('\n')) throw new NoteError('the note does not end in a newline');
  const signatures = signatureBlock
    .slice(0, -1)
    .split('\n')
    .map((line): NoteSignature => {
      const match = /^— (\S+) (\S+)$/.exec(line);
      if (!match) throw new NoteError('a malformed signature line');
      const blob = base64Decode(match[2]);
      if (blob.length < 5) throw new NoteError('a signature too short');
      return { name: match[1], keyId: blob.slice(0, 4), signature: blob.slice(4) };
    });
  return {
    checkpoint: {
      origin,
      treeSize: Number(size),
      root: rootBytes,
      validators,
      body: `${bodyLines.join('\n')}\n`,
    },
    signatures,
  };
}

const ED25519_TYPE = new Uint8Array([0x01]);
const EXTENSION_TYPE = new Uint8Array([0xff]);
const SM2_IDENTIFIER = utf8('gongxin/sm2-sm3');

/** The C2SP key id of a validator key under its name. */
export function keyId(name: string, algorithm: Algorithm, publicKey: Uint8Array): Uint8Array {
  const type = algorithm === 'ed25519' ? ED25519_TYPE : concatBytes(EXTENSION_TYPE, SM2_IDENTIFIER);
  return sha256(concatBytes(utf8(name), utf8('\n'), type, publicKey)).slice(0, 4);
}

/**
 * The names of the validators of `listing` whose signatures count, if they hold more than 2/3
 * of its power. Unknown signers are ignored; a known validator's bad signature is an error.
 */
export function verifyQuorum(note: SignedNote, origin: string, listing: ListedValidator[]): string[] {
  if (note.checkpoint.origin !== origin) {
    throw new NoteError(`the checkpoint is of ${note.checkpoint.origin}, not ${origin}`);
  }
  const message = utf8(note.checkpoint.body);
  const counted: string[] = [];
  let power = 0;
  for (const line of note.signatures) {
    const validator = listing.find((v) => v.name === line.name);
    if (!validator) continue;
    const key = fromHex(validator.public_key);
    if (!equalBytes(keyId(validator.name, validator.algorithm, key), line.keyId)) continue;
    const ok = verifySignature(
      taggedText(validator.algorithm, key),
      message,
      taggedText(validator.algorithm, line.signature),
    );
    if (!ok) throw new NoteError(`the signature of validator ${validator.name} does not verify`);
    if (!counted.includes(validator.name)) {
      counted.push(validator.name);
      power += validator.power;
    }
  }
  const total = listing.reduce((sum, v) => sum + v.power, 0);
  if (!(power * 3 > total * 2)) {
    throw new NoteError(`signatures hold ${power} of ${total} voting power; more than 2/3 is needed`);
  }
  return counted;
}

export { toHex };
