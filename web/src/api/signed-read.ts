// Signed read requests (core/src/request_auth.rs, PROTOCOL.md v2): a member proves who is
// reading with five headers — key, node, timestamp, nonce, signature — or, for EventSource,
// which cannot send headers, with the same values as the last query parameters.

import { concatBytes, randomBytes, utf8 } from '../crypto/hex';
import { taggedText, type Signer } from '../crypto/keys';

export const READ_SIGNING_DOMAIN = 'gongxin/read/v2';
export const READ_HEADERS = ['gongxin-key', 'gongxin-node', 'gongxin-timestamp', 'gongxin-nonce', 'gongxin-signature'] as const;
export const READ_QUERY_PARAMS = ['gx_key', 'gx_node', 'gx_ts', 'gx_nonce', 'gx_sig'] as const;

/** What a read request's signature binds. */
export interface ReadRequest {
  chainId: string;
  node: string;
  method: string;
  /** The request target exactly as sent: path, and `?query` if there is one. */
  pathAndQuery: string;
  timestampMs: number;
  nonce: string;
}

/**
 * The bytes a read signature covers:
 * "gongxin/read/v2" ‖ 0x00 ‖ chain ‖ "\n" ‖ node ‖ "\n" ‖ METHOD ‖ "\n" ‖ path-and-query ‖ "\n" ‖
 * timestamp ‖ "\n" ‖ nonce.
 */
export function readSigningMessage(request: ReadRequest): Uint8Array {
  const fields = [request.chainId, request.node, request.method.toUpperCase(), request.pathAndQuery, String(request.timestampMs)];
  return concatBytes(utf8(READ_SIGNING_DOMAIN), new Uint8Array([0]), utf8(fields.map((field) => `${field}\n`).join('')), utf8(request.nonce));
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A fresh nonce: 24 characters of [0-9a-zA-Z_-] (144 random bits). */
export function newReadNonce(): string {
  return Array.from(randomBytes(24), (byte) => NONCE_ALPHABET[byte & 63]).join('');
}

/** The five header values, in the order of `READ_HEADERS`. */
export function signReadRequest(signer: Signer, request: ReadRequest): string[] {
  const signature = taggedText(signer.algorithm, signer.sign(readSigningMessage(request)));
  return [signer.publicKeyText, request.node, String(request.timestampMs), request.nonce, signature];
}

/** The signed-read headers of `request`. */
export function signedReadHeaders(signer: Signer, request: ReadRequest): Record<string, string> {
  const values = signReadRequest(signer, request);
  return Object.fromEntries(READ_HEADERS.map((name, i) => [name, values[i]]));
}

/** One query component: RFC 3986 unreserved characters as they are, every other UTF-8 byte %XX. */
export function encodeQueryComponent(value: string): string {
  return Array.from(utf8(value), (byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** `request.pathAndQuery` with the signature appended as the last query parameters. */
export function signedQueryPath(signer: Signer, request: ReadRequest): string {
  const values = signReadRequest(signer, request);
  let url = request.pathAndQuery;
  READ_QUERY_PARAMS.forEach((name, i) => {
    url += `${url.includes('?') ? '&' : '?'}${name}=${encodeQueryComponent(values[i])}`;
  });
  return url;
}
