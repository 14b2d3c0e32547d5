// Exact conversions between what a person types and what the ledger stores, for the forms:
// 万元 / ¥ ↔ fen, percent ↔ basis points, Beijing dates ↔ ms. Parsing is helper A's
// (api/format.ts: decimal text, never floats, so "12.345678" 万元 is exactly 12 345 678 fen);
// this adapter turns its exceptions into results the form shows next to the field, and writes
// values back into input text (no grouping, no rounding).

import { BilingualError } from '../../../crypto/bilingual';
import { parseDate, parseDateTime, parsePercent as parsePercentBp, parseWan, parseYuan } from '../../../api/format';

/** A parse result: the integer, or the reason (a message key with its variables). */
export type Parsed = { ok: true; value: number } | { ok: false; code: string; vars?: Record<string, string | number> };

const MS_PER_DAY = 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** The unit money is typed in: 万元 (default in the console) or yuan (¥). */
export type MoneyUnit = 'wan' | 'yuan';

/** Runs one of helper A's exact parsers (api/format.ts), turning its InputError into a result. */
function viaFormat(raw: string, parse: (text: string) => number): Parsed {
  if (raw.trim() === '') return { ok: false, code: 'required' };
  try {
    return { ok: true, value: parse(raw) };
  } catch (e) {
    if (e instanceof BilingualError) return { ok: false, code: 'input', vars: { zh: e.zh, en: e.en } };
    throw e;
  }
}

/** A whole number (no decimals), e.g. a fiscal year or a count. */
export function parseWhole(raw: string, allowNegative: boolean): Parsed {
  const text = raw.trim().replace(/[\s,，]/g, '');
  if (text === '') return { ok: false, code: 'required' };
  if (!/^-?\d+$/.test(text)) return { ok: false, code: 'not_integer' };
  if (text.startsWith('-') && !allowNegative) return { ok: false, code: 'negative' };
  const value = Number(text);
  return Number.isSafeInteger(value) ? { ok: true, value } : { ok: false, code: 'too_large' };
}

/** Money typed in `unit` → fen, exactly (helper A's parseWan / parseYuan). */
export function parseMoney(raw: string, unit: MoneyUnit, allowNegative = false): Parsed {
  const parse = unit === 'wan' ? parseWan : parseYuan;
  return viaFormat(raw, (text) => parse(text, { signed: allowNegative }));
}

/** Fen → the decimal string in `unit`, without grouping and without trailing zeros ("12.5"). */
export function formatMoneyInput(fen: number, unit: MoneyUnit): string {
  return scaledToString(fen, unit === 'wan' ? 6 : 2);
}

/** Integer `value / 10^scale` as a plain decimal string with trailing fraction zeros dropped. */
export function scaledToString(value: number, scale: number): string {
  const negative = value < 0;
  const digits = String(Math.abs(Math.trunc(value))).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Percent typed as "37.5" (≤ 2 decimals) → basis points 3750; at most `maxBp`. */
export function parsePercent(raw: string, maxBp = 10_000): Parsed {
  return viaFormat(raw, (text) => parsePercentBp(text, maxBp));
}

/** Basis points → percent string ("37.5"). */
export function formatPercentInput(bp: number): string {
  return scaledToString(bp, 2);
}

/** "2026-07-01" (Beijing calendar day) → ms at 00:00 Beijing time. */
export function parseBeijingDate(raw: string): Parsed {
  return viaFormat(raw, parseDate);
}

/** "2026-07-01T18:00" (Beijing wall clock) → ms. */
export function parseBeijingDateTime(raw: string): Parsed {
  return viaFormat(raw, parseDateTime);
}

/** ms → "YYYY-MM-DD" of the Beijing calendar. */
export function formatBeijingDate(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** ms → "YYYY-MM-DDTHH:mm" Beijing wall clock (the value of a datetime-local input). */
export function formatBeijingDateTime(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 16);
}

/** ms at 00:00 Beijing of the day containing `ms`. */
export function beijingDayStart(ms: number): number {
  return Math.floor((ms + BEIJING_OFFSET_MS) / MS_PER_DAY) * MS_PER_DAY - BEIJING_OFFSET_MS;
}

export { MS_PER_DAY, BEIJING_OFFSET_MS };
