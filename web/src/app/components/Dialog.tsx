// A modal confirmation dialog: native <dialog> opened with showModal (the page behind becomes
// inert), Tab kept inside, Esc or "cancel" closes, focus returns to where it was. An optional
// text field (e.g. the reason for a refusal) can be required.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { makeT } from '../i18n';

const t = makeT({
  zh: { cancel: '取消', confirm: '确定', required: '请填写{label}' },
  en: { cancel: 'Cancel', confirm: 'Confirm', required: 'Please fill in {label}' },
});

export interface ConfirmDialogProps {
  title: string;
  children?: ComponentChildren;
  confirmLabel?: string;
  /** Red confirm button for irreversible or negative actions. */
  danger?: boolean;
  /** Ask for a text (reason / note); `required` refuses an empty one. */
  input?: { label: string; required?: boolean; multiline?: boolean; initial?: string };
  busy?: boolean;
  /** Shown under the body (e.g. a submit error). */
  error?: string | null;
  onConfirm: (text: string) => void;
  onCancel: () => void;
}

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function ConfirmDialog(props: ConfirmDialogProps) {
  const { title, children, confirmLabel, danger, input, busy, error, onConfirm, onCancel } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState(input?.initial ?? '');
  const [formError, setFormError] = useState<string | null>(null);
  const titleId = useRef(`dlg-${Math.random().toString(36).slice(2)}`).current;

  useEffect(() => {
    const dialog = ref.current;
    const before = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    }
    const first = dialog?.querySelector<HTMLElement>('input, textarea') ?? dialog?.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
    return () => {
      if (dialog?.open && typeof dialog.close === 'function') dialog.close();
      before?.focus?.();
    };
  }, []);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      if (!busy) onCancel();
      return;
    }
    if (e.key !== 'Tab' || !ref.current) return;
    const items = Array.from(ref.current.querySelectorAll<HTMLElement>(FOCUSABLE));
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (input?.required && !text.trim()) {
      setFormError(t('required', { label: input.label }));
      return;
    }
    setFormError(null);
    onConfirm(text.trim());
  };

  return (
    <dialog ref={ref} class="dialog" aria-labelledby={titleId} onKeyDown={onKeyDown} onCancel={(e) => { e.preventDefault(); if (!busy) onCancel(); }}>
      <form onSubmit={submit} class="stack" noValidate>
        <h2 id={titleId}>{title}</h2>
        {children}
        {input && (
          <label class="field">
            <span>
              {input.label}
              {input.required && <span aria-hidden="true"> *</span>}
            </span>
            {input.multiline ? (
              <textarea rows={3} value={text} required={input.required} aria-invalid={formError ? true : undefined} onInput={(e) => setText(e.currentTarget.value)} />
            ) : (
              <input type="text" value={text} required={input.required} aria-invalid={formError ? true : undefined} onInput={(e) => setText(e.currentTarget.value)} />
            )}
          </label>
        )}
        {(formError || error) && (
          <p class="form-error" role="alert">
            {formError ?? error}
          </p>
        )}
        <div class="actions actions-end">
          <button type="button" class="btn" onClick={onCancel} disabled={busy}>
            {t('cancel')}
          </button>
          <button type="submit" class={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} disabled={busy} aria-busy={busy}>
            {confirmLabel ?? t('confirm')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
