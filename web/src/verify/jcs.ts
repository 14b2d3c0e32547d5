// RFC 8785 JSON Canonicalization Scheme for the integer-only JSON gongxin publishes (the twin of
// core/src/jcs.rs): members sorted by UTF-16 code units — which is what a JavaScript string
// sort compares — no whitespace, strings as JSON.stringify writes them, integers only.

export class JcsError extends Error {}

/** The JCS text of `value`. Refuses non-integers and values JSON cannot hold. */
export function canonicalize(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new JcsError(`${value} is not an integer JavaScript holds exactly`);
    }
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const names = Object.keys(record).sort();
    return `{${names.map((name) => `${JSON.stringify(name)}:${canonicalize(record[name])}`).join(',')}}`;
  }
  throw new JcsError(`a ${typeof value} has no JSON form`);
}
