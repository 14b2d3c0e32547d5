// SM3 (GB/T 32905-2016), the one hash function of the ledger: tx hashes, document evidence
// hashes and the SM2 signature digest. Written from the standard so the console needs no
// native code; `Sm3` hashes incrementally, so a large photo or PDF can be hashed in slices.

const BLOCK_BYTES = 64;
const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e];
const T_LOW = 0x79cc4519; // rounds 0..15
const T_HIGH = 0x7a879d8a; // rounds 16..63

/** T_j rotated left by j mod 32, precomputed per round. */
const T_ROTATED = Array.from({ length: 64 }, (_, j) => rotl(j < 16 ? T_LOW : T_HIGH, j % 32));

function rotl(x: number, n: number): number {
  return n === 0 ? x >>> 0 : ((x << n) | (x >>> (32 - n))) >>> 0;
}

function p0(x: number): number {
  return (x ^ rotl(x, 9) ^ rotl(x, 17)) >>> 0;
}

function p1(x: number): number {
  return (x ^ rotl(x, 15) ^ rotl(x, 23)) >>> 0;
}

function ff(j: number, x: number, y: number, z: number): number {
  return j < 16 ? x ^ y ^ z : (x & y) | (x & z) | (y & z);
}

function gg(j: number, x: number, y: number, z: number): number {
  return j < 16 ? x ^ y ^ z : (x & y) | (~x & z);
}

/** An incremental SM3 hasher: `update` any number of times, then `digest` once. */
export class Sm3 {
  private readonly state = Uint32Array.from(IV);
  private readonly block = new Uint8Array(BLOCK_BYTES);
  private readonly w = new Uint32Array(68);
  private readonly w1 = new Uint32Array(64);
  private blockLength = 0;
  private totalBytes = 0;
  private finished = false;

  update(data: Uint8Array): this {
    if (this.finished) throw new Error('SM3: update after digest');
    this.totalBytes += data.length;
    this.absorb(data);
    return this;
  }

  digest(): Uint8Array {
    if (this.finished) throw new Error('SM3: digest called twice');
    this.finished = true;
    const bitLength = BigInt(this.totalBytes) * 8n;
    const padLength = (this.blockLength < 56 ? 56 : 120) - this.blockLength;
    const tail = new Uint8Array(padLength + 8);
    tail[0] = 0x80;
    new DataView(tail.buffer).setBigUint64(padLength, bitLength);
    this.absorb(tail);
    const out = new Uint8Array(32);
    const view = new DataView(out.buffer);
    this.state.forEach((word, i) => view.setUint32(4 * i, word));
    return out;
  }

  /** Feeds bytes through the block buffer, compressing every full block. */
  private absorb(data: Uint8Array): void {
    let offset = 0;
    if (this.blockLength > 0) {
      offset = Math.min(BLOCK_BYTES - this.blockLength, data.length);
      this.block.set(data.subarray(0, offset), this.blockLength);
      this.blockLength += offset;
      if (this.blockLength < BLOCK_BYTES) return;
      this.compress(this.block, 0);
      this.blockLength = 0;
    }
    for (; offset + BLOCK_BYTES <= data.length; offset += BLOCK_BYTES) this.compress(data, offset);
    this.block.set(data.subarray(offset), 0);
    this.blockLength = data.length - offset;
  }

  private compress(data: Uint8Array, offset: number): void {
    const { w, w1, state } = this;
    const view = new DataView(data.buffer, data.byteOffset + offset, BLOCK_BYTES);
    for (let j = 0; j < 16; j++) w[j] = view.getUint32(4 * j);
    for (let j = 16; j < 68; j++) {
      w[j] = p1(w[j - 16] ^ w[j - 9] ^ rotl(w[j - 3], 15)) ^ rotl(w[j - 13], 7) ^ w[j - 6];
    }
    for (let j = 0; j < 64; j++) w1[j] = w[j] ^ w[j + 4];
    let [a, b, c, d, e, f, g, h] = state;
    for (let j = 0; j < 64; j++) {
      const a12 = rotl(a, 12);
      const ss1 = rotl((a12 + e + T_ROTATED[j]) >>> 0, 7);
      const ss2 = ss1 ^ a12;
      const tt1 = (ff(j, a, b, c) + d + ss2 + w1[j]) >>> 0;
      const tt2 = (gg(j, e, f, g) + h + ss1 + w[j]) >>> 0;
      d = c;
      c = rotl(b, 9);
      b = a;
      a = tt1;
      h = g;
      g = rotl(f, 19);
      f = e;
      e = p0(tt2);
    }
    state[0] ^= a;
    state[1] ^= b;
    state[2] ^= c;
    state[3] ^= d;
    state[4] ^= e;
    state[5] ^= f;
    state[6] ^= g;
    state[7] ^= h;
  }
}

/** SM3 of `data`. */
export function sm3(data: Uint8Array): Uint8Array {
  return new Sm3().update(data).digest();
}

/** SM3 of the concatenation of `parts`, without building the concatenation. */
export function sm3Parts(...parts: Uint8Array[]): Uint8Array {
  const hasher = new Sm3();
  for (const part of parts) hasher.update(part);
  return hasher.digest();
}

/** Default slice size for hashing files: large enough to be fast, small enough not to hog memory. */
const BLOB_SLICE_BYTES = 4 * 1024 * 1024;

export interface HashBlobOptions {
  /** Called after each slice with the bytes hashed so far. */
  onProgress?: (hashedBytes: number) => void;
  sliceBytes?: number;
}

/**
 * SM3 of a Blob or File (a contract PDF, a site photo), read slice by slice so a large file is
 * never held in memory whole.
 */
export async function hashBlob(blob: Blob, options: HashBlobOptions = {}): Promise<Uint8Array> {
  const { onProgress, sliceBytes = BLOB_SLICE_BYTES } = options;
  const hasher = new Sm3();
  for (let offset = 0; offset < blob.size; offset += sliceBytes) {
    const end = Math.min(offset + sliceBytes, blob.size);
    hasher.update(new Uint8Array(await blob.slice(offset, end).arrayBuffer()));
    onProgress?.(end);
  }
  return hasher.digest();
}
