// How a submitted operation ended, in words: applied ✔, rejected ✘ with the rule's code and
// reason (the node's text), still pending, or refused at the door (SubmitFailure).
import { makeT } from '../i18n';
import type { SubmitFailure, SubmitResult } from '../submit';
import { Hex } from './ui';
import { errorText } from './errors';

const t = makeT({
  zh: {
    applied: '✔ 已生效（已上链）',
    rejected: '✘ 被规则拒绝（拒绝记录已上链）：{reason}',
    pending: '⏳ 已提交，尚未上链；稍后可在交易 {hash} 查看结果',
    failed: '✘ 节点未接受：{reason}',
    tx: '交易',
  },
  en: {
    applied: '✔ Applied (on the ledger)',
    rejected: '✘ Rejected by the rules (the rejection is on the ledger): {reason}',
    pending: '⏳ Submitted, not committed yet; check transaction {hash} later',
    failed: '✘ The node did not accept it: {reason}',
    tx: 'Transaction',
  },
});

/** One-line text of an outcome (for toasts). */
export function outcomeText(result: SubmitResult | null, error?: SubmitFailure | null): string {
  if (error) return t('failed', { reason: errorText(error) });
  if (!result) return '';
  const o = result.outcome;
  if (o === 'applied') return t('applied');
  if (o === 'pending') return t('pending', { hash: result.hash.slice(0, 12) });
  return t('rejected', { reason: `${o.rejected.code}${o.rejected.reason ? ` — ${o.rejected.reason}` : ''}` });
}

export function OutcomeNote({ result, error }: { result: SubmitResult | null; error?: SubmitFailure | null }) {
  if (!result && !error) return null;
  const ok = result?.outcome === 'applied';
  const pending = result?.outcome === 'pending';
  return (
    <div class={`outcome ${ok ? 'outcome-ok' : pending ? 'outcome-pending' : 'outcome-bad'}`} role={ok || pending ? 'status' : 'alert'}>
      <p>{outcomeText(result, error)}</p>
      {result && (
        <p class="muted">
          {t('tx')} <Hex value={result.hash} />
        </p>
      )}
    </div>
  );
}
