// The "verify" button of a timeline entry: fetches the checkpoint (open) and the transaction's
// inclusion proof at that checkpoint's size (signed), folds the audit path in the browser and
// compares with the checkpoint's root: ✔ 已验证 or ✘ with the reason.
import { useState } from 'preact/hooks';
import { makeT } from '../../i18n';
import type { Session } from '../../session';
import { get, getText } from '../../chain';
import { errorText } from '../../components/errors';
import { fromHex } from '../../../crypto/hex';
import { entryHasTx, parseCheckpoint, verifyInclusion, type Verdict } from './merkle';

const t = makeT({
  zh: {
    verify: '验证',
    verify_label: '验证交易 {hash} 已写入账本',
    checking: '验证中…',
    ok: '✔ 已验证：第 {index} 条记录，包含在 {size} 条记录的检查点中',
    'why.index_out_of_range': '证明的序号超出检查点范围',
    'why.path_too_long': '审计路径过长',
    'why.path_too_short': '审计路径过短',
    'why.bad_hash': '审计路径中有不是 32 字节的哈希',
    'why.size_mismatch': '证明与检查点的记录数不一致（{detail}）',
    'why.root_mismatch': '重新计算的根哈希与检查点不一致',
    'why.other_tx': '节点返回的记录不是这笔交易',
    failed: '✘ 未通过：{why}',
    error: '✘ 无法验证：{why}',
    note: '检查点签名由审计工具离线核验（gongxin verify）。',
  },
  en: {
    verify: 'Verify',
    verify_label: 'Verify that transaction {hash} is in the ledger',
    checking: 'Verifying…',
    ok: '✔ Verified: entry {index} of the checkpoint’s {size} entries',
    'why.index_out_of_range': 'the proof’s index is outside the checkpoint',
    'why.path_too_long': 'the audit path is too long',
    'why.path_too_short': 'the audit path is too short',
    'why.bad_hash': 'the audit path holds a hash that is not 32 bytes',
    'why.size_mismatch': 'proof and checkpoint sizes differ ({detail})',
    'why.root_mismatch': 'the recomputed root differs from the checkpoint’s',
    'why.other_tx': 'the entry the node returned is not this transaction',
    failed: '✘ Failed: {why}',
    error: '✘ Could not verify: {why}',
    note: 'Checkpoint signatures are checked offline by the audit tool (gongxin verify).',
  },
});

interface InclusionProof {
  leaf_index: number;
  tree_size: number;
  entry: string;
  audit_path: string[];
}

/** Verify one transaction's inclusion against the latest checkpoint. */
export async function verifyTx(session: Session, hash: string): Promise<Verdict> {
  const cp = parseCheckpoint(await getText(session, '/v1/checkpoint'));
  const proof = await get<InclusionProof>(session, `/v1/proofs/inclusion?tx=${encodeURIComponent(hash)}&tree_size=${cp.treeSize}`);
  const entry = fromHex(proof.entry);
  if (!entryHasTx(entry, hash)) return { ok: false, why: 'other_tx' };
  return verifyInclusion(entry, proof.leaf_index, proof.tree_size, proof.audit_path.map(fromHex), cp);
}

export function VerifyButton({ session, hash }: { session: Session; hash: string }) {
  const [state, setState] = useState<{ busy: boolean; text?: string; ok?: boolean }>({ busy: false });
  const run = async () => {
    if (state.busy) return;
    setState({ busy: true });
    try {
      const v = await verifyTx(session, hash);
      if (v.ok) setState({ busy: false, ok: true, text: t('ok', { index: v.leafIndex, size: v.treeSize }) });
      else setState({ busy: false, ok: false, text: t('failed', { why: t(`why.${v.why}`, { detail: v.detail ?? '' }) }) });
    } catch (e) {
      setState({ busy: false, ok: false, text: t('error', { why: errorText(e) }) });
    }
  };
  return (
    <span class="verify">
      <button type="button" class="btn btn-small" disabled={state.busy} onClick={run} aria-label={t('verify_label', { hash: hash.slice(0, 12) })}>
        {state.busy ? t('checking') : t('verify')}
      </button>
      {state.text && (
        <span class={state.ok ? 'verify-ok' : 'verify-bad'} role="status" title={state.ok ? t('note') : undefined}>
          {state.text}
        </span>
      )}
    </span>
  );
}
