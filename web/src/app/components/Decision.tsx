// A yes / no decision on one item (approve or refuse a request, accept or reject a progress
// report): two buttons, a confirmation dialog asking for an optional note (yes) or a required
// reason (no), one signed submission, and a toast saying what the decision did. The item's
// list reloads afterwards, so an applied decision needs no note of its own; a refusal at the
// door or a rule's rejection stays visible under the buttons.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Session } from '../session';
import { useSubmit } from '../submit';
import { ConfirmDialog } from './Dialog';
import { OutcomeNote, outcomeText } from './Outcome';
import { toast } from './Toasts';

export interface DecisionWords {
  yes: string;
  no: string;
  yesTitle: string;
  noTitle: string;
  /** The label of the optional note that goes with yes. */
  note: string;
  /** The label of the reason no requires. */
  reason: string;
}

export interface DecisionProps {
  session: Session;
  words: DecisionWords;
  /** The operation to sign for a decision and its note or reason. */
  operation: (yes: boolean, text: string) => object;
  /** The toast once the decision is applied. */
  appliedText: (yes: boolean) => string;
  /** Called once the ledger answered (applied or rejected): reload the list. */
  onDone: () => void;
  /** The dialog's body: what is being decided. */
  children: ComponentChildren;
}

export function Decision({ session, words, operation, appliedText, onDone, children }: DecisionProps) {
  const [dialog, setDialog] = useState<'yes' | 'no' | null>(null);
  const s = useSubmit(session);
  const run = async (text: string) => {
    const yes = dialog === 'yes';
    const r = await s.submit(operation(yes, text));
    if (!r) return;
    const applied = r.outcome === 'applied';
    toast(applied ? appliedText(yes) : outcomeText(r), applied ? 'ok' : r.outcome === 'pending' ? 'info' : 'error');
    setDialog(null);
    if (r.outcome !== 'pending') onDone();
  };
  return (
    <>
      <div class="actions">
        <button type="button" class="btn btn-primary" disabled={s.busy} onClick={() => setDialog('yes')}>
          {words.yes}
        </button>
        <button type="button" class="btn btn-danger-ghost" disabled={s.busy} onClick={() => setDialog('no')}>
          {words.no}
        </button>
      </div>
      <OutcomeNote result={s.result?.outcome === 'applied' ? null : s.result} error={s.error} />
      {dialog && (
        <ConfirmDialog
          title={dialog === 'yes' ? words.yesTitle : words.noTitle}
          confirmLabel={dialog === 'yes' ? words.yes : words.no}
          danger={dialog === 'no'}
          input={dialog === 'yes' ? { label: words.note } : { label: words.reason, required: true, multiline: true }}
          busy={s.busy}
          error={s.error ? outcomeText(null, s.error) : null}
          onConfirm={(text) => void run(text)}
          onCancel={() => setDialog(null)}
        >
          {children}
        </ConfirmDialog>
      )}
    </>
  );
}
