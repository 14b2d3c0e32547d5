// Toast messages (saved, applied, rejected, errors): `toast(text, tone)` from anywhere; the
// <Toasts/> region announces them politely (errors assertively) and each can be dismissed.
import { useEffect, useState } from 'preact/hooks';
import { makeT } from '../i18n';

const t = makeT({ zh: { close: '关闭提示' }, en: { close: 'Dismiss' } });

export type Tone = 'ok' | 'error' | 'info';
interface Item {
  id: number;
  text: string;
  tone: Tone;
}

let items: Item[] = [];
let seq = 0;
const listeners = new Set<(i: Item[]) => void>();
const emit = () => listeners.forEach((l) => l(items));

export function dismiss(id: number): void {
  items = items.filter((i) => i.id !== id);
  emit();
}

/** Show a message; errors stay until dismissed, others for 6 seconds. */
export function toast(text: string, tone: Tone = 'info'): void {
  const id = ++seq;
  items = [...items.slice(-3), { id, text, tone }];
  emit();
  if (tone !== 'error') setTimeout(() => dismiss(id), 6000);
}

export function Toasts() {
  const [list, setList] = useState(items);
  useEffect(() => {
    listeners.add(setList);
    return () => {
      listeners.delete(setList);
    };
  }, []);
  return (
    <div class="toasts" aria-live="polite">
      {list.map((i) => (
        <div key={i.id} class={`toast toast-${i.tone}`} role={i.tone === 'error' ? 'alert' : 'status'}>
          <span>{i.text}</span>
          <button type="button" class="btn-icon" aria-label={t('close')} onClick={() => dismiss(i.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
