// Access to the Rust golden vectors under core/tests/golden/ from the compiled tests
// (which run from web/build/test/, three levels below the repository root).

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex } from '../../src/crypto/hex';

export const GOLDEN_DIR = fileURLToPath(new URL('../../../core/tests/golden/', import.meta.url));

export function goldenPath(name: string): string {
  return GOLDEN_DIR + name;
}

export function goldenExists(name: string): boolean {
  return existsSync(goldenPath(name));
}

export function goldenText(name: string): string {
  return readFileSync(goldenPath(name), 'utf8');
}

export function goldenHex(name: string): Uint8Array {
  return fromHex(goldenText(name).trim());
}

export function goldenJson<T>(name: string): T {
  return JSON.parse(goldenText(name)) as T;
}
