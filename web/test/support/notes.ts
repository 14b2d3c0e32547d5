// Signed checkpoint notes for the verifier tests, signed with the fixed test keys.

import { concatBytes, utf8 } from '../../src/crypto/hex';
import { keyId } from '../../src/verify/note';
import { fixedSigner } from './keys';

/** A note over `body` signed by each of `signers` (byte of its fixed ed25519 key, name). */
export function note(body: string, signers: [number, string][]): string {
  const lines = signers.map(([byte, name]) => {
    const signer = fixedSigner('ed25519', byte);
    const blob = concatBytes(keyId(name, 'ed25519', signer.publicKey), signer.sign(utf8(body)));
    return `— ${name} ${btoa(String.fromCharCode(...blob))}\n`;
  });
  return `${body}\n${lines.join('')}`;
}

/** A checkpoint body naming the set `next` in its `validators` line. */
export function body(origin: string, size: number, root: Uint8Array, next: string): string {
  return `${origin}\n${size}\n${btoa(String.fromCharCode(...root))}\nvalidators ${next}\n`;
}

/** `text` with the base64 character at `at` (from the end) of line `line` changed: one bit or so. */
export function flipBase64(text: string, line: number, at = 3): string {
  const lines = text.split('\n');
  const target = lines[line];
  const i = target.length - at;
  lines[line] = target.slice(0, i) + (target[i] === 'A' ? 'B' : 'A') + target.slice(i + 1);
  return lines.join('\n');
}
