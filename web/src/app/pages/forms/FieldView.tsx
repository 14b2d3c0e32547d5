// Draws one generated form field and its children (fieldsets, rows, unions, optional toggles)
// from the field tree of schema.ts and the draft of values.ts. Every input has a label, its
// error next to it (aria-invalid + aria-describedby) and a hint; changes go up as path updates.
import { useState } from 'preact/hooks';
import type { JSX, TargetedEvent } from 'preact';
import { useLang } from '../../i18n';
import { hashBlob } from '../../../crypto/sm3';
import { toHex } from '../../../crypto/hex';
import { formatYuan } from '../../../api/format';
import type { Field } from './schema';
import { emptyDraft, INTO_OPTION, parseScalar, pathKey, switchMoneyUnit, type Draft } from './values';
import { errorText, fieldLabel, optionLabel, tf as t, variantLabel } from './labels';

export type Path = (string | number)[];

export interface FieldContext {
  /** Replace the draft at `path` by `f(old)`. */
  update: (path: Path, f: (d: Draft) => Draft) => void;
  /** The error to show at `path` (message key + vars), if any. */
  errorAt: (path: Path) => { code: string; vars?: Record<string, string | number> } | undefined;
  touch: (path: Path) => void;
  disabled: boolean;
}

/** The DOM id of the input at `path` (for labels, error links and focusing the first error). */
export function inputId(path: Path): string {
  return `op-f-${pathKey(path).replace(/\./g, '-') || 'root'}`;
}

type TextDraft = Extract<Draft, { k: 'text' }>;

function Hint({ field }: { field: Field }) {
  const { lang } = useLang();
  const d = field.description;
  if (!d || (lang === 'zh' && !/[\u4e00-\u9fff]/.test(d))) return null;
  return <p class="forms-hint">{d}</p>;
}

function ErrorLine({ path, ctx }: { path: Path; ctx: FieldContext }) {
  const { lang } = useLang();
  const e = ctx.errorAt(path);
  if (!e) return null;
  return (
    <p class="forms-error" id={`${inputId(path)}-err`}>
      {errorText(t, e.code, e.vars, lang)}
    </p>
  );
}

function aria(path: Path, ctx: FieldContext): Record<string, string | boolean | undefined> {
  const bad = ctx.errorAt(path) !== undefined;
  return { 'aria-invalid': bad ? 'true' : undefined, 'aria-describedby': bad ? `${inputId(path)}-err` : undefined };
}

function textValue(d: Draft): TextDraft {
  return d.k === 'text' ? d : { k: 'text', raw: '' };
}

function setRaw(ctx: FieldContext, path: Path, raw: string) {
  ctx.update(path, (d) => ({ ...textValue(d), raw, orig: undefined }));
}

function onText(ctx: FieldContext, path: Path) {
  return (e: TargetedEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => setRaw(ctx, path, e.currentTarget.value);
}

/** Money in 万元 (default) or ¥, with the exact yuan amount shown under it. */
function MoneyInput({ field, draft, path, ctx }: { field: Field & { type: 'integer' }; draft: TextDraft; path: Path; ctx: FieldContext }) {
  const unit = draft.unit ?? 'wan';
  const parsed = parseScalar(field, draft);
  const id = inputId(path);
  return (
    <div class="forms-money">
      <input id={id} type="text" inputMode="decimal" autoComplete="off" value={draft.raw} disabled={ctx.disabled}
        onInput={onText(ctx, path)} onBlur={() => ctx.touch(path)} {...aria(path, ctx)} />
      <div class="forms-unit" role="group" aria-label={fieldLabel(t, field.name)}>
        {(['wan', 'yuan'] as const).map((u) => (
          <button key={u} type="button" class={`forms-unit-btn${u === unit ? ' forms-unit-on' : ''}`} aria-pressed={u === unit}
            disabled={ctx.disabled} onClick={() => ctx.update(path, (d) => switchMoneyUnit(textValue(d), u, field.min < 0))}>
            {t(u === 'wan' ? 'w.unit_wan' : 'w.unit_yuan')}
          </button>
        ))}
      </div>
      {'value' in parsed && typeof parsed.value === 'number' && <span class="forms-equals">{t('w.fen_equals', { yuan: formatYuan(parsed.value) })}</span>}
    </div>
  );
}

/** A document hash: choose a file (hashed here with SM3, never uploaded) or paste 64 hex digits. */
function HashInput({ draft, path, ctx }: { draft: TextDraft; path: Path; ctx: FieldContext }) {
  const [busy, setBusy] = useState(false);
  const id = inputId(path);
  const choose = async (e: TargetedEvent<HTMLInputElement>) => {
    const file = e.currentTarget.files?.[0];
    if (!file) return;
    setBusy(true);
    try {
      const hex = toHex(await hashBlob(file));
      ctx.update(path, (d) => ({ ...textValue(d), raw: hex, fileName: file.name }));
      ctx.touch(path);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="forms-hash">
      <label class="forms-file btn">
        {t('w.choose_file')}
        <input type="file" class="forms-file-input" disabled={ctx.disabled || busy} onChange={choose} />
      </label>
      {busy && <span role="status">{t('w.hashing')}</span>}
      {draft.fileName && !busy && <span class="forms-file-name">{t('w.file_hashed', { name: draft.fileName })}</span>}
      <input id={id} type="text" class="forms-mono" spellcheck={false} autoComplete="off" placeholder={t('w.or_paste')} value={draft.raw}
        disabled={ctx.disabled} onInput={(e) => ctx.update(path, (d) => ({ ...textValue(d), raw: e.currentTarget.value, fileName: undefined }))}
        onBlur={() => ctx.touch(path)} {...aria(path, ctx)} />
      <p class="forms-hint">{t('w.hash_note')}</p>
    </div>
  );
}

function IntegerInput({ field, draft, path, ctx }: { field: Field & { type: 'integer' }; draft: TextDraft; path: Path; ctx: FieldContext }) {
  const common = { id: inputId(path), value: draft.raw, disabled: ctx.disabled, onInput: onText(ctx, path), onBlur: () => ctx.touch(path), ...aria(path, ctx) };
  switch (field.unit) {
    case 'fen':
      return <MoneyInput field={field} draft={draft} path={path} ctx={ctx} />;
    case 'bp':
      return (
        <span class="forms-suffixed">
          <input type="text" inputMode="decimal" autoComplete="off" {...common} />
          <span aria-hidden="true">%</span>
        </span>
      );
    case 'date':
      return <input type="date" {...common} />;
    case 'datetime':
      return <input type="datetime-local" {...common} />;
    default:
      return <input type="text" inputMode="numeric" autoComplete="off" {...common} />;
  }
}

function StringInput({ field, draft, path, ctx }: { field: Field & { type: 'string' }; draft: TextDraft; path: Path; ctx: FieldContext }) {
  if (field.wire === 'hash') return <HashInput draft={draft} path={path} ctx={ctx} />;
  const common = { id: inputId(path), value: draft.raw, disabled: ctx.disabled, onInput: onText(ctx, path), onBlur: () => ctx.touch(path), ...aria(path, ctx) };
  if (field.multiline) return <textarea rows={3} {...common} />;
  const mono = field.wire !== undefined;
  const placeholder = field.wire === 'public_key' ? 'ed25519:… / sm2:…' : undefined;
  return <input type="text" class={mono ? 'forms-mono' : undefined} spellcheck={!mono} autoComplete="off" placeholder={placeholder} {...common} />;
}

function EnumSelect({ field, draft, path, ctx }: { field: Field & { type: 'enum' }; draft: TextDraft; path: Path; ctx: FieldContext }) {
  const { lang } = useLang();
  return (
    <select id={inputId(path)} value={draft.raw} disabled={ctx.disabled} onChange={onText(ctx, path)} {...aria(path, ctx)}>
      {field.options.map((o) => (
        <option key={o.value} value={o.value}>
          {optionLabel(t, o.value, o.description, lang)}
        </option>
      ))}
    </select>
  );
}

/** A labelled leaf field: label, input, hint, error. */
function Leaf({ field, draft, path, ctx, label }: { field: Field; draft: Draft; path: Path; ctx: FieldContext; label: string }) {
  if (field.type === 'boolean') {
    return (
      <div class="forms-field forms-check">
        <input id={inputId(path)} type="checkbox" checked={draft.k === 'bool' && draft.value} disabled={ctx.disabled}
          onChange={(e) => ctx.update(path, () => ({ k: 'bool', value: e.currentTarget.checked }))} />
        <label for={inputId(path)}>{label}</label>
        <Hint field={field} />
      </div>
    );
  }
  const text = textValue(draft);
  let input: JSX.Element;
  if (field.type === 'integer') input = <IntegerInput field={field} draft={text} path={path} ctx={ctx} />;
  else if (field.type === 'enum') input = <EnumSelect field={field} draft={text} path={path} ctx={ctx} />;
  else if (field.type === 'string') input = <StringInput field={field} draft={text} path={path} ctx={ctx} />;
  else input = <textarea id={inputId(path)} class="forms-mono" rows={4} value={text.raw} disabled={ctx.disabled} onInput={onText(ctx, path)} {...aria(path, ctx)} />;
  return (
    <div class="forms-field">
      <label for={inputId(path)} class="forms-label">
        {label}
        {field.type === 'integer' && (field.unit === 'date' || field.unit === 'datetime') && <span class="forms-tz">（北京时间）</span>}
      </label>
      {input}
      <Hint field={field} />
      <ErrorLine path={path} ctx={ctx} />
    </div>
  );
}

function ArrayField({ field, draft, path, ctx, label }: { field: Field & { type: 'array' }; draft: Draft; path: Path; ctx: FieldContext; label: string }) {
  const items = draft.k === 'array' ? draft.items : [];
  const setItems = (f: (items: Draft[]) => Draft[]) => ctx.update(path, (d) => ({ k: 'array', items: f(d.k === 'array' ? d.items : []) }));
  return (
    <fieldset class="forms-set forms-array">
      <legend>{label}</legend>
      <Hint field={field} />
      {items.map((item, i) => (
        <div class="forms-row" key={i}>
          <FieldView field={field.item} draft={item} path={[...path, i]} ctx={ctx} label={t('w.row', { n: i + 1 })} />
          <button type="button" class="btn forms-remove" disabled={ctx.disabled} aria-label={`${t('w.remove_row')} ${i + 1}`}
            onClick={() => setItems((xs) => xs.filter((_, j) => j !== i))}>
            {t('w.remove_row')}
          </button>
        </div>
      ))}
      <button type="button" class="btn forms-add" disabled={ctx.disabled} onClick={() => setItems((xs) => [...xs, emptyDraft(field.item)])}>
        {t('w.add_row')}
      </button>
      <ErrorLine path={path} ctx={ctx} />
    </fieldset>
  );
}

function UnionField({ field, draft, path, ctx, label }: { field: Field & { type: 'union' }; draft: Draft; path: Path; ctx: FieldContext; label: string }) {
  const tag = draft.k === 'union' ? draft.tag : '';
  const variant = field.variants.find((v) => v.tag === tag);
  const choose = (next: string) => {
    const v = field.variants.find((x) => x.tag === next);
    ctx.update(path, () => ({ k: 'union', tag: next, payload: v?.payload ? emptyDraft(v.payload) : null }));
  };
  return (
    <fieldset class="forms-set">
      <legend>{label}</legend>
      <div class="forms-field">
        <label for={inputId(path)} class="forms-label">{t('w.variant')}</label>
        <select id={inputId(path)} value={tag} disabled={ctx.disabled} onChange={(e) => choose(e.currentTarget.value)} {...aria(path, ctx)}>
          {field.variants.map((v) => (
            <option key={v.tag} value={v.tag}>
              {variantLabel(t, v.tag)}
            </option>
          ))}
        </select>
        <ErrorLine path={path} ctx={ctx} />
      </div>
      {variant?.payload && draft.k === 'union' && draft.payload && (
        <FieldView field={variant.payload} draft={draft.payload} path={[...path, variant.tag]} ctx={ctx} label={variantLabel(t, variant.tag)} bare />
      )}
    </fieldset>
  );
}

/** Optional (`Option<T>`): a "fill in" switch, then the inner field. */
function OptionalField({ field, draft, path, ctx, label }: { field: Field; draft: Draft & { k: 'opt' }; path: Path; ctx: FieldContext; label: string }) {
  const inner = { ...field, nullable: false } as Field;
  const id = `${inputId(path)}-set`;
  return (
    <div class="forms-optional">
      <div class="forms-check">
        <input id={id} type="checkbox" checked={draft.set} disabled={ctx.disabled}
          onChange={(e) => ctx.update(path, (d) => (d.k === 'opt' ? { ...d, set: e.currentTarget.checked } : d))} />
        <label for={id}>
          {label}
          <span class="forms-tz">（{draft.set ? t('w.set') : t('w.not_set')}）</span>
        </label>
      </div>
      {draft.set && <FieldView field={inner} draft={draft.inner} path={[...path, INTO_OPTION]} ctx={ctx} label={label} />}
    </div>
  );
}

/** Any field: dispatches on its type; `bare` draws an object's fields without a fieldset. */
export function FieldView({ field, draft, path, ctx, label, bare }: { field: Field; draft: Draft; path: Path; ctx: FieldContext; label?: string; bare?: boolean }) {
  const text = label ?? fieldLabel(t, field.name);
  if (field.nullable && draft.k === 'opt') return <OptionalField field={field} draft={draft} path={path} ctx={ctx} label={text} />;
  switch (field.type) {
    case 'object': {
      const parts = draft.k === 'object' ? draft.fields : {};
      const children = field.fields.map((f) => (
        <FieldView key={f.name} field={f} draft={parts[f.name] ?? emptyDraft(f)} path={[...path, f.name]} ctx={ctx} />
      ));
      if (bare) return <div class="forms-fields">{children}</div>;
      return (
        <fieldset class="forms-set">
          <legend>{text}</legend>
          <Hint field={field} />
          <div class="forms-fields">{children}</div>
        </fieldset>
      );
    }
    case 'array':
      return <ArrayField field={field} draft={draft} path={path} ctx={ctx} label={text} />;
    case 'union':
      return <UnionField field={field} draft={draft} path={path} ctx={ctx} label={text} />;
    default:
      return <Leaf field={field} draft={draft} path={path} ctx={ctx} label={text} />;
  }
}
