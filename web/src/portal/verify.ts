// The public portal's only script (/portal/verify.js): the 验证此记录 / "verify this record"
// button on a project page. The page works without it; where it runs, it shows the button,
// and a click fetches the genesis document, the public checkpoint, the validator-set
// hand-overs and one inclusion proof per record, then runs src/verify/page.ts in the browser,
// trusting nothing the node says: the genesis schema is built in (src/verify/genesis.ts), and
// the genesis hash it recomputes is shown for comparison with the one the government published.

import { parseNote } from '../verify/note';
import type { PublicProof } from '../verify/record';
import { handoversOf, type ValidatorSetsAnswer } from '../verify/valsets';
import { parseEvidence, verifyPage, VerifyError, type PageVerdict, type ShownValue, type Step } from '../verify/page';

const zh = document.documentElement.lang !== 'en';
const t = (zhText: string, enText: string): string => (zh ? zhText : enText);

const STEP_LABEL: Record<Step, [string, string]> = {
  page: ['页面数据无法读取', 'The page\u2019s data cannot be read'],
  genesis: ['创世文件与页面固定的哈希不符', 'The genesis does not match the hash the page pins'],
  checkpoint: ['检查点没有得到验证节点多数签名', 'The checkpoint is not signed by a validator quorum'],
  records: ['记录不在签名的公开披露日志中', 'The record is not in the signed public log'],
  shown: ['页面显示的内容与签名记录不符', 'What the page shows differs from the signed record'],
};

/** Bodies of a few hundred kilobytes at most: the evidence is small. */
const RESPONSE_BYTES_MAX = 4 * 1024 * 1024;

/** One answer of the node, as text or parsed JSON; a failure is blamed on `step`. */
async function get(path: string, as: 'json' | 'text', step: Step): Promise<unknown> {
  let text: string;
  try {
    const response = await fetch(path, { headers: { accept: as === 'json' ? 'application/json' : 'text/plain' }, cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    text = await response.text();
  } catch (error) {
    throw new VerifyError(step, `${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (text.length > RESPONSE_BYTES_MAX) throw new VerifyError(step, `${path}: the answer is too large`);
  if (as === 'text') return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new VerifyError(step, `${path}: the answer is not JSON`);
  }
}

function shownValues(): ShownValue[] {
  return [...document.querySelectorAll<HTMLElement>('[data-field]')].map((el) => ({
    record: Number(el.dataset.record ?? '0'),
    field: el.dataset.field ?? '',
    raw: el.dataset.raw ?? '',
    text: el.textContent ?? '',
  }));
}

async function check(): Promise<PageVerdict> {
  const block = document.getElementById('gx-evidence');
  const records = parseEvidence(block?.textContent ?? '');
  const pinned = document.querySelector<HTMLMetaElement>('meta[name="gongxin-genesis"]')?.content ?? '';
  const [genesis, checkpoint, sets] = await Promise.all([
    get('/public/v1/genesis', 'json', 'genesis'),
    get('/public/v1/checkpoint', 'text', 'checkpoint') as Promise<string>,
    get('/v1/validator-sets', 'json', 'checkpoint') as Promise<ValidatorSetsAnswer>,
  ]);
  let size: number;
  try {
    size = parseNote(checkpoint).checkpoint.treeSize;
  } catch (error) {
    throw new VerifyError('checkpoint', error instanceof Error ? error.message : String(error));
  }
  const proofs = (await Promise.all(
    records.map((r) => get(`/public/v1/proofs/inclusion?leaf_index=${r.leaf_index}&tree_size=${size}`, 'json', 'records')),
  )) as PublicProof[];
  return verifyPage(pinned, records, shownValues(), { genesis, checkpoint, handovers: handoversOf(sets), proofs }, zh);
}

function item(parent: HTMLElement, label: string, value: string, code = false): void {
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  if (code) {
    const c = document.createElement('code');
    c.textContent = value;
    dd.append(c);
  } else {
    dd.textContent = value;
  }
  parent.append(dt, dd);
}

function showVerdict(out: HTMLElement, verdict: PageVerdict): void {
  out.className = 'verdict ok';
  out.replaceChildren();
  const head = document.createElement('p');
  head.className = 'verdict-head';
  head.textContent = t('✓ 核验通过：本页记录已由各部门验证节点签名，未被篡改。', '✓ Verified: the records on this page are signed by the departments\u2019 validators and unaltered.');
  const list = document.createElement('dl');
  list.className = 'fields';
  for (const r of verdict.records) {
    item(list, `${r.kind} ${r.id}`, t(`日志叶子 #${r.leafIndex}，区块高度 ${r.height}`, `leaf #${r.leafIndex}, block ${r.height}`));
  }
  item(list, t('检查点', 'Checkpoint'), t(`日志大小 ${verdict.treeSize}，签名：${verdict.signers.join('、')}`, `log size ${verdict.treeSize}, signed by ${verdict.signers.join(', ')}`));
  item(list, t('验证节点交接', 'Validator hand-overs'), t(`从创世起跟随 ${verdict.handovers} 次`, `${verdict.handovers} followed from genesis`));
  item(list, t('核对的显示值', 'Shown values checked'), String(verdict.shownChecked));
  item(list, t('浏览器重新计算的创世哈希', 'Genesis hash recomputed here'), verdict.genesisHash, true);
  const hint = document.createElement('p');
  hint.className = 'muted';
  hint.textContent = t('请把上面的创世哈希与政府公告的哈希逐字核对：两者一致，本核验才不依赖本网站。', 'Compare the genesis hash above with the one the government published: only when they match does this check rely on nothing this site says.');
  out.append(head, list, hint);
}

function showFailure(out: HTMLElement, error: unknown): void {
  out.className = 'verdict bad';
  out.replaceChildren();
  const step: Step = error instanceof VerifyError ? error.step : 'records';
  const [zhLabel, enLabel] = STEP_LABEL[step];
  const head = document.createElement('p');
  head.className = 'verdict-head';
  head.textContent = `✗ ${t('核验失败', 'Not verified')}：${t(zhLabel, enLabel)}`;
  const detail = document.createElement('p');
  detail.className = 'muted';
  detail.textContent = error instanceof Error ? error.message : String(error);
  out.append(head, detail);
}

function start(): void {
  const button = document.getElementById('gx-verify') as HTMLButtonElement | null;
  const out = document.getElementById('gx-verdict');
  if (!button || !out) return;
  button.hidden = false;
  button.addEventListener('click', () => {
    button.disabled = true;
    out.className = 'verdict';
    out.textContent = t('正在核验……', 'Verifying…');
    check()
      .then((verdict) => showVerdict(out, verdict))
      .catch((error: unknown) => showFailure(out, error))
      .finally(() => {
        button.disabled = false;
      });
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
