// Small shared display pieces: money (¥ / 万元), Beijing dates, the traffic-light badge
// (colour AND text), progress/budget bars, loading / empty / error states, hash display.
import type { ComponentChildren } from 'preact';
import { makeT } from '../i18n';
import { bpText, dateText, dateTimeText, shortHex, wanText, yuanText } from './format';
import { light as lightOf, type Light } from './light';
import { errorText } from './errors';

const t = makeT({
  zh: {
    loading: '加载中…',
    retry: '重试',
    empty: '暂无数据',
    error: '出错了',
    yuan: '¥{v}',
    wan: '{v} 万元',
    'light.red_days': '红 · 逾期 {n} 天',
    'light.red_today': '红 · 今日逾期',
    'light.yellow_days': '黄 · {n} 天内到期',
    'light.yellow_today': '黄 · 今日到期',
    'light.green_days': '绿 · 剩余 {n} 天',
    'light.green': '绿 · 按期推进',
    'light.done': '已办结',
    of: '{a} / {b}',
  },
  en: {
    loading: 'Loading…',
    retry: 'Retry',
    empty: 'Nothing here',
    error: 'Something went wrong',
    yuan: '¥{v}',
    wan: '¥{v} × 10k',
    'light.red_days': 'Red · {n} days overdue',
    'light.red_today': 'Red · overdue today',
    'light.yellow_days': 'Yellow · due within {n} days',
    'light.yellow_today': 'Yellow · due today',
    'light.green_days': 'Green · {n} days left',
    'light.green': 'Green · on track',
    'light.done': 'Done',
    of: '{a} of {b}',
  },
});

/** Money from fen: `unit="wan"` (default) shows 万元, `unit="yuan"` shows ¥ with fen; the other in the tooltip. */
export function Money({ fen, unit = 'wan' }: { fen: number | null | undefined; unit?: 'wan' | 'yuan' }) {
  if (fen == null) return <span>—</span>;
  const yuan = t('yuan', { v: yuanText(fen) });
  const wan = t('wan', { v: wanText(fen) });
  return (
    <span class="money" title={unit === 'wan' ? yuan : wan}>
      {unit === 'wan' ? wan : yuan}
    </span>
  );
}

/** A Beijing-time date (`time` adds hours and minutes), in a <time> element. */
export function When({ ms, time = false }: { ms: number | null | undefined; time?: boolean }) {
  if (ms == null) return <span>—</span>;
  return (
    <time dateTime={new Date(ms).toISOString()} title={`${dateTimeText(ms)} (UTC+8)`}>
      {time ? dateTimeText(ms) : dateText(ms)}
    </time>
  );
}

export function Percent({ bp }: { bp: number | null | undefined }) {
  return <span>{bpText(bp)}</span>;
}

/** The words of a light: 红 · 逾期 3 天, 黄 · 2 天内到期, 绿 · 剩余 10 天, 已办结. */
export function lightText(l: Light): string {
  switch (l.color) {
    case 'red':
      return l.days > 0 ? t('light.red_days', { n: l.days }) : t('light.red_today');
    case 'yellow':
      return l.days > 0 ? t('light.yellow_days', { n: l.days }) : t('light.yellow_today');
    case 'green':
      return l.days > 0 ? t('light.green_days', { n: l.days }) : t('light.green');
    default:
      return t('light.done');
  }
}

/** A traffic-light badge: a coloured dot plus the words, so it never relies on colour alone. */
export function LightBadge({ deadline_ms, status, now_ms }: { deadline_ms: number; status: string; now_ms: number }) {
  const l = lightOf(deadline_ms, status, now_ms);
  return (
    <span class={`light light-${l.color}`}>
      <span class="light-dot" aria-hidden="true" />
      {lightText(l)}
    </span>
  );
}

/** A horizontal bar of `value` against `max` (e.g. disbursed vs budget), with its text. */
export function Bar({ label, value, max, tone = 'blue', children }: { label: string; value: number; max: number; tone?: 'blue' | 'green' | 'amber' | 'red' | 'grey'; children?: ComponentChildren }) {
  const pct = max > 0 ? Math.min(100, Math.max(0, (value / max) * 100)) : 0;
  return (
    <div class="bar-row">
      <div class="bar-label">
        <span>{label}</span>
        <span class="bar-value">{children}</span>
      </div>
      <div class="bar-track" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value}>
        <div class={`bar-fill bar-${tone}`} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  return (
    <p class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {label ?? t('loading')}
    </p>
  );
}

export function Empty({ children }: { children?: ComponentChildren }) {
  return <p class="state state-empty">{children ?? t('empty')}</p>;
}

/** An error (API JSON reason when there is one) with an optional retry button. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <p>
        <strong>{t('error')}：</strong>
        {errorText(error)}
      </p>
      {onRetry && (
        <button type="button" class="btn" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}

/** A hash or key, shortened, full text on hover and for screen readers. */
export function Hex({ value }: { value: string | null | undefined }) {
  if (!value) return <span>—</span>;
  return (
    <code class="hex" title={value} aria-label={value}>
      {shortHex(value)}
    </code>
  );
}
