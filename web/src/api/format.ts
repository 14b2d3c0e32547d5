// Money, shares and times as the console shows and reads them (zh-CN): amounts are integer fen
// on the ledger, shares integer basis points, times ms since the epoch. Parsing works on the
// decimal text itself — never through floating point — so "12.3456" 万元 is exactly 12,345,600 fen.
// Times are Beijing time (UTC+8; China has kept no daylight saving since 1991).

import { BilingualError } from '../crypto/bilingual';

/** Why a user's input could not be read. */
export class InputError extends BilingualError {}

const FEN_PER_YUAN = 100n;
const FEN_PER_WAN = 1_000_000n;
const BEIJING_OFFSET_MS = 8 * 3_600_000;

type Integer = number | bigint;

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `value / 10^decimals` as a decimal text, rounded half away from zero. */
function fixedDecimal(value: Integer, scale: bigint, decimals: number): string {
  const big = BigInt(value);
  const negative = big < 0n;
  const magnitude = negative ? -big : big;
  const unit = 10n ** BigInt(decimals);
  const step = scale / unit;
  const rounded = (magnitude + step / 2n) / step;
  const whole = groupThousands((rounded / unit).toString());
  const fraction = decimals > 0 ? `.${(rounded % unit).toString().padStart(decimals, '0')}` : '';
  return `${negative && rounded !== 0n ? '-' : ''}${whole}${fraction}`;
}

/** 123456 fen → "¥1,234.56"; negative → "-¥1,234.56". */
export function formatYuan(fen: Integer): string {
  const text = fixedDecimal(fen, FEN_PER_YUAN, 2);
  return text.startsWith('-') ? `-¥${text.slice(1)}` : `¥${text}`;
}

/** 1234500000 fen → "1,234.50 万元" (to 0.01 万元, rounded half away from zero). */
export function formatWan(fen: Integer): string {
  return `${fixedDecimal(fen, FEN_PER_WAN, 2)} 万元`;
}

/** 1234 bp → "12.34%". */
export function formatBp(bp: Integer): string {
  return `${fixedDecimal(bp, 100n, 2)}%`;
}

/** Full-width digits and punctuation (Chinese IMEs) as ASCII; spaces and grouping commas gone. */
function normalizeNumber(text: string): string {
  return text
    .replace(/[\uFF10-\uFF19]/g, (char) => String.fromCharCode(char.charCodeAt(0) - 0xff10 + 48))
    .replace(/[．。]/g, '.')
    .replace(/[－−]/g, '-')
    .replace(/[\s,，]/g, '');
}

interface DecimalSpec {
  /** How many units of the result one unit of the text is (e.g. 1,000,000 fen per 万元). */
  scale: bigint;
  decimals: number;
  suffixes: RegExp;
  signed: boolean;
  what: { zh: string; en: string };
  max?: bigint;
}

/** Reads a decimal text exactly into integer units. */
function parseDecimal(text: string, spec: DecimalSpec): number {
  const cleaned = normalizeNumber(text).replace(/^[¥￥]/, '').replace(spec.suffixes, '');
  const match = /^(-?)(\d+)(?:\.(\d*))?$|^(-?)\.(\d+)$/.exec(cleaned);
  const { zh, en } = spec.what;
  if (!match) throw new InputError(`请输入${zh}，例如 12.5`, `enter ${en}, e.g. 12.5`);
  const sign = match[1] || match[4];
  const whole = match[2] ?? '0';
  const fraction = match[3] ?? match[5] ?? '';
  if (fraction.length > spec.decimals) {
    throw new InputError(`${zh}最多 ${spec.decimals} 位小数`, `${en} takes at most ${spec.decimals} decimals`);
  }
  if (sign && !spec.signed) throw new InputError(`${zh}不能为负数`, `${en} cannot be negative`);
  const units = BigInt(whole) * spec.scale + BigInt(fraction.padEnd(spec.decimals, '0') || '0') * (spec.scale / 10n ** BigInt(spec.decimals));
  const max = spec.max ?? BigInt(Number.MAX_SAFE_INTEGER);
  if (units > max) throw new InputError(`${zh}太大`, `${en} is too large`);
  return Number(sign ? -units : units);
}

export interface MoneyOptions {
  /** Allow a negative amount (adjustments, change orders). */
  signed?: boolean;
}

/** "1,234.56" / "¥1234.5" / "1234元" → fen. */
export function parseYuan(text: string, options: MoneyOptions = {}): number {
  return parseDecimal(text, {
    scale: FEN_PER_YUAN,
    decimals: 2,
    suffixes: /元$/,
    signed: options.signed ?? false,
    what: { zh: '金额（元）', en: 'an amount in yuan' },
  });
}

/** "12.5" / "12.5万" / "12.5 万元" → fen (12.5 万元 = 12,500,000 fen); up to 6 decimals. */
export function parseWan(text: string, options: MoneyOptions = {}): number {
  return parseDecimal(text, {
    scale: FEN_PER_WAN,
    decimals: 6,
    suffixes: /万元?$/,
    signed: options.signed ?? false,
    what: { zh: '金额（万元）', en: 'an amount in 万元 (10,000 yuan)' },
  });
}

/** "12.34" / "12.34%" → 1234 bp; at most 2 decimals and `maxBp` (default 10000 = 100%). */
export function parsePercent(text: string, maxBp = 10_000): number {
  return parseDecimal(text, {
    scale: 100n,
    decimals: 2,
    suffixes: /[%％]$/,
    signed: false,
    what: { zh: '百分比', en: 'a percentage' },
    max: BigInt(maxBp),
  });
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function beijingParts(ms: number): Date {
  if (!Number.isFinite(ms)) throw new InputError('无效的时间', 'not a valid time');
  return new Date(ms + BEIJING_OFFSET_MS);
}

/** ms → "2026-12-02" (Beijing). */
export function formatDate(ms: number): string {
  const d = beijingParts(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** ms → "2026-12-02 20:16" (Beijing). */
export function formatDateTime(ms: number): string {
  const d = beijingParts(ms);
  return `${formatDate(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** "2026-12-02", "2026-12-02 20:16" or "2026-12-02T20:16" (Beijing) → ms. */
export function parseDateTime(text: string): number {
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!match) {
    throw new InputError('请输入日期，格式如 2026-12-02 或 2026-12-02 20:16', 'enter a date like 2026-12-02 or 2026-12-02 20:16');
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new InputError(`不存在的日期或时间：${text.trim()}`, `no such date or time: ${text.trim()}`);
  }
  return utc - BEIJING_OFFSET_MS;
}

/** "2026-12-02" (Beijing midnight) → ms; a time part is refused. */
export function parseDate(text: string): number {
  if (!/^\s*\d{4}-\d{1,2}-\d{1,2}\s*$/.test(text)) {
    throw new InputError('请输入日期，格式如 2026-12-02', 'enter a date like 2026-12-02');
  }
  return parseDateTime(text);
}
