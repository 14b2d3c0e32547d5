// The state of a generated form ("draft": what the person typed, as strings) and its exact
// conversion to the JSON value the ledger takes, and back (to prefill a form from a value).
// Errors are message keys at field paths, translated by the form. Pure and unit-tested.
import type { Field } from './schema';
import {
  formatBeijingDate,
  formatBeijingDateTime,
  formatMoneyInput,
  formatPercentInput,
  parseBeijingDate,
  parseBeijingDateTime,
  parseMoney,
  parsePercent,
  parseWhole,
  type MoneyUnit,
  type Parsed,
} from './units';

export type Draft =
  | { k: 'text'; raw: string; unit?: MoneyUnit; fileName?: string; orig?: number }
  | { k: 'bool'; value: boolean }
  | { k: 'object'; fields: Record<string, Draft> }
  | { k: 'array'; items: Draft[] }
  | { k: 'union'; tag: string; payload: Draft | null }
  | { k: 'opt'; set: boolean; inner: Draft };

/** A JSON value as the ledger takes it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** An input problem: where (path segments joined by '.') and what (a message key + variables). */
export interface FieldError {
  path: string;
  code: string;
  vars?: Record<string, string | number>;
}

/** The value, or the problems plus the value with `null` where an input was unusable (for live previews). */
export type Converted = { ok: true; value: Json } | { ok: false; errors: FieldError[]; value: Json };

/** Record and department ids: 1–64 of A–Z a–z 0–9 . _ - (core/src/model/mod.rs is_valid_id). */
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** Field names that hold a record or department id. */
export const ID_FIELDS = new Set([
  'id',
  'project',
  'contract',
  'report',
  'task',
  'disbursement',
  'department',
  'responsible_department',
  'programme',
]);
/** The longest free text the rules accept, in UTF-8 bytes. */
export const TEXT_BYTES_MAX = 4096;

/** Non-nullable view of a field (for the inner value of an `Option`). */
export function required(field: Field): Field {
  return field.nullable ? { ...field, nullable: false } : field;
}

/** The draft of an empty form for `field` (arrays of records start with one row). */
export function emptyDraft(field: Field, moneyUnit: MoneyUnit = 'wan'): Draft {
  if (field.nullable) return { k: 'opt', set: false, inner: emptyDraft(required(field), moneyUnit) };
  switch (field.type) {
    case 'boolean':
      return { k: 'bool', value: false };
    case 'object':
      return { k: 'object', fields: Object.fromEntries(field.fields.map((f) => [f.name, emptyDraft(f, moneyUnit)])) };
    case 'array':
      return { k: 'array', items: field.item.type === 'object' ? [emptyDraft(field.item, moneyUnit)] : [] };
    case 'union': {
      const first = field.variants[0];
      return { k: 'union', tag: first?.tag ?? '', payload: first?.payload ? emptyDraft(first.payload, moneyUnit) : null };
    }
    case 'integer':
      return field.unit === 'fen' ? { k: 'text', raw: '', unit: moneyUnit } : { k: 'text', raw: '' };
    case 'enum':
      return { k: 'text', raw: field.options[0]?.value ?? '' };
    default:
      return { k: 'text', raw: '' };
  }
}

/** Converts a draft to the ledger's JSON value, or lists every input problem. */
export function draftToValue(field: Field, draft: Draft, path = ''): Converted {
  const errors: FieldError[] = [];
  const value = convert(field, draft, path, errors);
  return errors.length ? { ok: false, errors, value } : { ok: true, value };
}

function join(path: string, seg: string | number): string {
  return path === '' ? String(seg) : `${path}.${seg}`;
}

function convert(field: Field, draft: Draft, path: string, errors: FieldError[]): Json {
  if (field.nullable) {
    if (draft.k !== 'opt') return convert(required(field), draft, path, errors);
    return draft.set ? convert(required(field), draft.inner, path, errors) : null;
  }
  switch (field.type) {
    case 'object':
      return convertObject(field.fields, draft, path, errors);
    case 'array': {
      const items = draft.k === 'array' ? draft.items : [];
      return items.map((item, i) => convert(field.item, item, join(path, i), errors));
    }
    case 'union':
      return convertUnion(field, draft, path, errors);
    case 'boolean':
      return draft.k === 'bool' ? draft.value : false;
    default:
      return convertScalar(field, draft.k === 'text' ? draft : { k: 'text', raw: '' }, path, errors);
  }
}

function convertObject(fields: Field[], draft: Draft, path: string, errors: FieldError[]): Json {
  const parts = draft.k === 'object' ? draft.fields : {};
  const out: { [key: string]: Json } = {};
  for (const f of fields) {
    out[f.name] = convert(f, parts[f.name] ?? emptyDraft(f), join(path, f.name), errors);
  }
  return out;
}

function convertUnion(field: Field & { type: 'union' }, draft: Draft, path: string, errors: FieldError[]): Json {
  const tag = draft.k === 'union' ? draft.tag : '';
  const variant = field.variants.find((v) => v.tag === tag);
  if (!variant) {
    errors.push({ path, code: 'choose' });
    return null;
  }
  if (!variant.payload) return variant.tag;
  const payloadDraft = draft.k === 'union' && draft.payload ? draft.payload : emptyDraft(variant.payload);
  return { [variant.tag]: convert(variant.payload, payloadDraft, join(path, variant.tag), errors) };
}

type TextDraft = Extract<Draft, { k: 'text' }>;

function convertScalar(field: Field, draft: TextDraft, path: string, errors: FieldError[]): Json {
  const result = parseScalar(field, draft);
  if ('error' in result) {
    errors.push({ path, code: result.error, vars: result.vars });
    return null;
  }
  return result.value;
}

type ScalarResult = { value: Json } | { error: string; vars?: Record<string, string | number> };

/** One text input → its JSON value or the error (exported for per-field live validation). */
export function parseScalar(field: Field, draft: TextDraft): ScalarResult {
  switch (field.type) {
    case 'integer':
      return parseInteger(field, draft);
    case 'enum': {
      const ok = field.options.some((o) => o.value === draft.raw);
      return ok ? { value: draft.raw } : { error: 'choose' };
    }
    case 'string':
      return parseString(field, draft.raw);
    case 'json':
      return parseJson(draft.raw);
    default:
      return { error: 'unsupported' };
  }
}

function fromParsed(p: Parsed, field: Field & { type: 'integer' }): ScalarResult {
  if (!p.ok) return { error: p.code, vars: p.vars };
  if (p.value < field.min || p.value > field.max) return { error: 'out_of_range', vars: { min: field.min, max: field.max } };
  return { value: p.value };
}

function parseInteger(field: Field & { type: 'integer' }, draft: TextDraft): ScalarResult {
  const allowNegative = field.min < 0;
  switch (field.unit) {
    case 'fen': {
      return fromParsed(parseMoney(draft.raw, draft.unit ?? 'wan', allowNegative), field);
    }
    case 'bp': {
      return fromParsed(parsePercent(draft.raw, Math.min(field.max, 10_000)), field);
    }
    case 'date':
      // A prefilled moment that is not Beijing midnight stays exact while its day is unchanged.
      if (draft.orig !== undefined && draft.raw === formatBeijingDate(draft.orig)) return { value: draft.orig };
      return fromParsed(parseBeijingDate(draft.raw), field);
    case 'datetime':
      return fromParsed(parseBeijingDateTime(draft.raw), field);
    default:
      return fromParsed(parseWhole(draft.raw, allowNegative), field);
  }
}

const HASH = /^[0-9a-f]{64}$/;
const PUBLIC_KEY = /^(ed25519:[0-9a-f]{64}|sm2:[0-9a-f]{66})$/;
const SIGNATURE = /^(ed25519|sm2):[0-9a-f]{128}$/;

function parseString(field: Field & { type: 'string' }, raw: string): ScalarResult {
  const text = field.wire ? raw.trim().toLowerCase() : raw;
  if (field.wire === 'hash') return HASH.test(text) ? { value: text } : { error: text ? 'hash_format' : 'hash_required' };
  if (field.wire === 'public_key') {
    return PUBLIC_KEY.test(text) ? { value: text } : { error: text ? 'key_format' : 'required' };
  }
  if (field.wire === 'signature') return SIGNATURE.test(text) ? { value: text } : { error: 'signature_format' };
  if (ID_FIELDS.has(field.name)) {
    const id = raw.trim();
    if (id === '') return { error: 'required' };
    return ID_PATTERN.test(id) ? { value: id } : { error: 'id_format' };
  }
  if (new TextEncoder().encode(raw).length > TEXT_BYTES_MAX) return { error: 'too_long', vars: { max: TEXT_BYTES_MAX } };
  if (field.pattern && raw !== '' && !new RegExp(field.pattern).test(raw)) return { error: 'pattern' };
  if (raw.trim() === '' && !optionalText(field)) return { error: 'required' };
  return { value: raw };
}

/** Free text that may stay empty: notes, descriptions, references (serde `default`). */
function optionalText(field: Field): boolean {
  return ['note', 'description', 'summary', 'source_ref'].includes(field.name);
}

function parseJson(raw: string): ScalarResult {
  try {
    return { value: JSON.parse(raw) as Json };
  } catch {
    return { error: 'json_format' };
  }
}

/** The draft that shows `value` (the inverse of `draftToValue`, for prefills and templates). */
export function valueToDraft(field: Field, value: Json | undefined, moneyUnit: MoneyUnit = 'wan'): Draft {
  if (field.nullable) {
    const inner = required(field);
    if (value === null || value === undefined) return { k: 'opt', set: false, inner: emptyDraft(inner, moneyUnit) };
    return { k: 'opt', set: true, inner: valueToDraft(inner, value, moneyUnit) };
  }
  if (value === undefined) return emptyDraft(field, moneyUnit);
  switch (field.type) {
    case 'boolean':
      return { k: 'bool', value: value === true };
    case 'object': {
      const obj = isObject(value) ? value : {};
      return { k: 'object', fields: Object.fromEntries(field.fields.map((f) => [f.name, valueToDraft(f, obj[f.name], moneyUnit)])) };
    }
    case 'array':
      return { k: 'array', items: Array.isArray(value) ? value.map((v) => valueToDraft(field.item, v, moneyUnit)) : [] };
    case 'union':
      return unionDraft(field, value, moneyUnit);
    case 'integer':
      return integerDraft(field, value, moneyUnit);
    case 'json':
      return { k: 'text', raw: JSON.stringify(value) };
    default:
      return { k: 'text', raw: typeof value === 'string' ? value : String(value ?? '') };
  }
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unionDraft(field: Field & { type: 'union' }, value: Json, moneyUnit: MoneyUnit): Draft {
  if (typeof value === 'string') return { k: 'union', tag: value, payload: null };
  const tag = isObject(value) ? Object.keys(value)[0] : undefined;
  const variant = field.variants.find((v) => v.tag === tag);
  if (!variant || !isObject(value)) return emptyDraft(field, moneyUnit);
  return { k: 'union', tag: variant.tag, payload: variant.payload ? valueToDraft(variant.payload, value[variant.tag], moneyUnit) : null };
}

function integerDraft(field: Field & { type: 'integer' }, value: Json, moneyUnit: MoneyUnit): Draft {
  if (typeof value !== 'number') return emptyDraft(field, moneyUnit);
  switch (field.unit) {
    case 'fen':
      return { k: 'text', raw: formatMoneyInput(value, moneyUnit), unit: moneyUnit };
    case 'bp':
      return { k: 'text', raw: formatPercentInput(value) };
    case 'date':
      return { k: 'text', raw: formatBeijingDate(value), orig: value };
    case 'datetime':
      return { k: 'text', raw: formatBeijingDateTime(value) };
    default:
      return { k: 'text', raw: String(value) };
  }
}

/** Switches a money input between 万元 and ¥, converting what was typed exactly (unchanged if unparsable). */
export function switchMoneyUnit(draft: TextDraft, to: MoneyUnit, allowNegative: boolean): TextDraft {
  const from = draft.unit ?? 'wan';
  if (from === to) return draft;
  const p = parseMoney(draft.raw, from, allowNegative);
  return { ...draft, unit: to, raw: p.ok ? formatMoneyInput(p.value, to) : draft.raw };
}

// ---- immutable updates of a draft tree ---------------------------------------------------------

/** Path segment that steps into an `Option`'s inner value (the option node itself is the path without it). */
export const INTO_OPTION = '?';

/** A path as the errors name it ('.'-joined, without INTO_OPTION steps). */
export function pathKey(path: (string | number)[]): string {
  return path.filter((s) => s !== INTO_OPTION).join('.');
}

/** The draft at `path` (segments: property names, array indexes, union tags). */
export function getAt(draft: Draft, path: (string | number)[]): Draft | undefined {
  let cur: Draft | undefined = draft;
  for (const seg of path) {
    cur = cur && step(cur, seg);
  }
  return cur;
}

function step(d: Draft, seg: string | number): Draft | undefined {
  if (d.k === 'opt') return seg === INTO_OPTION ? d.inner : step(d.inner, seg);
  if (d.k === 'object') return d.fields[String(seg)];
  if (d.k === 'array') return d.items[Number(seg)];
  if (d.k === 'union') return d.payload ?? undefined;
  return undefined;
}

/** A copy of `draft` with the node at `path` replaced by `f(node)`. */
export function updateAt(draft: Draft, path: (string | number)[], f: (d: Draft) => Draft): Draft {
  if (path.length === 0) return f(draft);
  const [seg, ...rest] = path;
  switch (draft.k) {
    case 'opt':
      return { ...draft, inner: updateAt(draft.inner, seg === INTO_OPTION ? rest : path, f) };
    case 'object': {
      const child = draft.fields[String(seg)];
      return child ? { ...draft, fields: { ...draft.fields, [String(seg)]: updateAt(child, rest, f) } } : draft;
    }
    case 'array': {
      const i = Number(seg);
      if (!draft.items[i]) return draft;
      return { ...draft, items: draft.items.map((item, j) => (j === i ? updateAt(item, rest, f) : item)) };
    }
    case 'union':
      return draft.payload ? { ...draft, payload: updateAt(draft.payload, rest, f) } : draft;
    default:
      return draft;
  }
}

/** The money amount (fen) of a draft's top-level field `name`, or 0 when unset or unparsable. */
export function moneyAt(draft: Draft, name: string): number {
  const d = getAt(draft, [name]);
  const inner = d?.k === 'opt' ? (d.set ? d.inner : undefined) : d;
  if (!inner || inner.k !== 'text') return 0;
  const p = parseMoney(inner.raw, inner.unit ?? 'wan', true);
  return p.ok ? p.value : 0;
}
