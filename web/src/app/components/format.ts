// Display formatting used by the shared components: money from integer fen (¥ and 万元),
// Beijing-time dates, basis points as percent. Pure functions; helper A's api/format.ts is the
// wire-side counterpart, this one only formats for people.

/** Fen as yuan with two decimals and thousands separators: 123456 → "1,234.56". */
export function yuanText(fen: number | bigint): string {
  const f = BigInt(fen);
  const neg = f < 0n;
  const abs = neg ? -f : f;
  const yuan = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${yuan}.${cents}`;
}

/** Fen as 万元 with two decimals (rounded half up): 123456789 → "123.46". */
export function wanText(fen: number | bigint): string {
  const f = BigInt(fen);
  const neg = f < 0n;
  const abs = neg ? -f : f;
  // 1 万元 = 1 000 000 fen; keep two decimals: units of 10 000 fen.
  const hundredths = (abs + 5_000n) / 10_000n;
  const whole = (hundredths / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${whole}.${(hundredths % 100n).toString().padStart(2, '0')}`;
}

const BEIJING_OFFSET_MS = 8 * 3_600_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** Beijing-time date `2026-05-10` (China keeps no daylight saving, so a fixed +08:00 is exact). */
export function dateText(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const d = new Date(ms + BEIJING_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Beijing-time date and minute `2026-05-10 14:05`. */
export function dateTimeText(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const d = new Date(ms + BEIJING_OFFSET_MS);
  return `${dateText(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** Basis points as a percent with up to two decimals: 2550 → "25.5%". */
export function bpText(bp: number | null | undefined): string {
  if (bp == null) return '—';
  return `${Number((bp / 100).toFixed(2))}%`;
}

/** Shorten a long hex hash or key for display: `ab12cd…9f00`. */
export function shortHex(hex: string | null | undefined, keep = 6): string {
  if (!hex) return '—';
  return hex.length <= keep * 2 + 1 ? hex : `${hex.slice(0, keep)}…${hex.slice(-4)}`;
}
