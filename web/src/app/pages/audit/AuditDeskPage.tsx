// 审计台 (#/audit), the audit department's desk:
// - 检查点监视: the twin of `gongxin audit watch --state`, run in this browser and kept in its
//   storage (deskState.ts): the genesis the node serves is hashed here and trusted on first use,
//   every checkpoint is checked against the validator quorum and, by a consistency proof,
//   against the last one verified (verify/watch.ts); an alarm stays on the page, with its
//   evidence, until an auditor clears it;
// - 核验文件: a proof bundle dropped here is verified from the genesis validators
//   (verify/bundle.ts); any other file gets its SM3, to compare with a hash on the ledger;
// - 操作日志: this node's operation log, its SM3 chain recomputed here and checked against the
//   anchors the ledger holds (verify/accessLog.ts), the newest records listed;
// - 被拒绝的操作: every rejected attempt across all projects (GET /v1/rejections), newest first;
// - 导出审计轨迹: every ledger entry decoded, to Excel or CSV (GET /v1/exports/trail).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { makeT, opLabel } from '../../i18n';
import { useSession, type Session } from '../../session';
import { get, getText } from '../../chain';
import { useAsync } from '../../components/useAsync';
import { Empty, ErrorState, Hex, Loading, When } from '../../components/ui';
import { ExportButtons, saveBlob } from '../../components/ExportButtons';
import { FileDrop } from '../../components/FileDrop';
import { errorText } from '../../components/errors';
import type { Page, RejectionRecord } from '../../components/records';
import { toHex } from '../../../crypto/hex';
import { sm3 } from '../../../crypto/sm3';
import { readGenesis, type ReadGenesis } from '../../../verify/genesis';
import { handoversOf, type ValidatorSetsAnswer } from '../../../verify/valsets';
import { judge, type Alarm, type AlarmKind } from '../../../verify/watch';
import { parseBundle, verifyBundle, type BundleVerdict } from '../../../verify/bundle';
import { verifyChain, type ChainedRecord, type ChainPoint, type ChainReport } from '../../../verify/accessLog';
import { clearAlarms, load, save, storageKey, withGenesis, withJudgement, type DeskEvent, type DeskState } from './deskState';
import './desk.css';

const t = makeT({
  zh: {
    title: '审计台',
    only_audit: '审计台供审计（纪检监察）部门使用。',
    watch: '检查点监视',
    watch_hint: '本页在浏览器中核验节点的每个检查点：由验证节点多数签名，且与上次核验的检查点一致（一致性证明）。记录保存在本浏览器中，与 gongxin audit watch 的状态目录作用相同。',
    check_now: '立即检查',
    checking: '正在检查…',
    genesis: '信任的创世哈希（首次使用时记录，请与政府公告核对）',
    last: '最近核验的检查点',
    size: '记录数 {size}',
    signers: '签名：{names}',
    checked_at: '上次检查',
    never: '尚未检查',
    history: '核验记录',
    no_events: '尚无核验记录。',
    'event.first_use': '首次使用：信任此检查点',
    'event.extended': '日志增长 {from} → {size}，一致性证明通过',
    'event.alarm': '告警',
    unreachable: '无法连接节点（不是告警，稍后自动重试）：{why}',
    reset: '本浏览器保存的审计台记录无法读取，已重新开始。',
    alarm_title: '⚠ 告警：节点出示的记录与已核验的不一致',
    'alarm.invalid_checkpoint': '检查点无效（签名不足或格式错误）',
    'alarm.rollback': '日志回退（记录数少于已核验的）',
    'alarm.inconsistent': '分叉或改写（与已核验的检查点不一致）',
    'alarm.genesis_changed': '节点提供的创世文件已改变',
    evidence: '证据',
    download: '下载证据（JSON）',
    clear: '我已上报，清除告警',
    clear_confirm: '清除告警前请先下载并上报证据。确定清除？',
    files: '核验文件',
    files_hint: '拖入或选择 gongxin proof 生成的证明包（.json），在浏览器中依据创世验证节点核验；其他文件显示其 SM3 哈希，可与链上记录的文件哈希核对。',
    choose: '选择文件',
    drop: '把文件拖到这里，或',
    bundle_ok: '✔ 证明包有效：交易 {tx} 是第 {index} 条记录，包含在 {size} 条记录的检查点中；签名：{names}',
    bundle_bad: '✘ 证明包无效：{why}',
    file_hash: '文件 {name} 的 SM3：',
    expected: '链上记录的哈希（可选，用于核对）',
    match: '✔ 与链上记录的哈希一致',
    mismatch: '✘ 与链上记录的哈希不一致',
    no_genesis: '尚未取得创世文件，请先“立即检查”。',
    rejections: '被拒绝的操作（全部项目）',
    window: '范围',
    'window.10000': '最近 1 万个区块',
    'window.100000': '最近 10 万个区块',
    'window.all': '全部',
    no_rejections: '此范围内没有被拒绝的操作。',
    truncated: '只显示了最早的 {n} 条，请缩小范围。',
    col_time: '时间',
    col_project: '项目',
    col_op: '操作',
    col_dept: '部门',
    col_reason: '拒绝原因',
    col_tx: '交易',
    none: '—',
    oplog: '操作日志（节点 {node}）',
    oplog_hint: '本节点记录的每一次签名查询和交易受理，按 SM3 哈希链相连，链头定期锚定在账本上。本页重新计算整条链，并与账本上的锚点核对。',
    oplog_ok: '✔ 哈希链完整：第 {from}–{to} 条记录，与账本上的 {anchors} 个锚点一致；最近锚点之后还有 {unanchored} 条尚未锚定。',
    oplog_bad: '✘ 操作日志被改动：{why}',
    oplog_partial: '只核验了前 {n} 条记录，其余请用 gongxin access-log verify。',
    oplog_newest: '最近的记录',
    col_actor: '操作人',
    col_target: '内容',
    col_outcome: '结果',
    trail: '导出审计轨迹',
    trail_hint: '账本中每一条记录（已执行和被拒绝的）解码后的清单：时间、区块、操作、项目、结果、签名人。每条记录可用 gongxin verify 独立核验。一次最多 20 万条，账本更大时请填写区块范围。',
    from_height: '起始区块（可选）',
    bad_height: '区块高度只能填数字；不合规的一项不会用于导出。',
    to_height: '结束区块（可选）',
  },
  en: {
    title: 'Audit desk',
    only_audit: 'The audit desk is for the audit (discipline inspection) department.',
    watch: 'Checkpoint watch',
    watch_hint: 'This page checks each of the node’s checkpoints in the browser: signed by a validator quorum, and consistent with the last one verified (a consistency proof). What it saw is kept in this browser, like gongxin audit watch’s state directory.',
    check_now: 'Check now',
    checking: 'Checking…',
    genesis: 'Trusted genesis hash (kept on first use; compare it with the published one)',
    last: 'Last verified checkpoint',
    size: '{size} entries',
    signers: 'signed by {names}',
    checked_at: 'Last checked',
    never: 'Not checked yet',
    history: 'Verification record',
    no_events: 'Nothing verified yet.',
    'event.first_use': 'First use: this checkpoint trusted',
    'event.extended': 'Log grew {from} → {size}; consistency proof verified',
    'event.alarm': 'Alarm',
    unreachable: 'The node cannot be reached (not an alarm; retried automatically): {why}',
    reset: 'The desk’s record in this browser could not be read and was started afresh.',
    alarm_title: '⚠ Alarm: the node presented records that contradict what was verified',
    'alarm.invalid_checkpoint': 'Invalid checkpoint (no quorum, or malformed)',
    'alarm.rollback': 'Rollback (fewer entries than already verified)',
    'alarm.inconsistent': 'Split view or rewrite (inconsistent with the verified checkpoint)',
    'alarm.genesis_changed': 'The genesis the node serves has changed',
    evidence: 'Evidence',
    download: 'Download the evidence (JSON)',
    clear: 'Reported — clear the alarm',
    clear_confirm: 'Download and report the evidence before clearing. Clear now?',
    files: 'Verify a file',
    files_hint: 'Drop or choose a proof bundle written by gongxin proof (.json): it is verified here from the genesis validators. Any other file gets its SM3 hash, to compare with a hash on the ledger.',
    choose: 'choose a file',
    drop: 'Drop a file here, or',
    bundle_ok: '✔ Valid bundle: transaction {tx} is entry {index} of a checkpoint of {size} entries, signed by {names}',
    bundle_bad: '✘ Invalid bundle: {why}',
    file_hash: 'SM3 of {name}:',
    expected: 'Hash recorded on the ledger (optional, to compare)',
    match: '✔ Matches the hash on the ledger',
    mismatch: '✘ Does not match the hash on the ledger',
    no_genesis: 'The genesis is not loaded yet; press “Check now” first.',
    rejections: 'Rejected attempts (all projects)',
    window: 'Range',
    'window.10000': 'Last 10,000 blocks',
    'window.100000': 'Last 100,000 blocks',
    'window.all': 'All',
    no_rejections: 'No rejected attempts in this range.',
    truncated: 'Only the oldest {n} are shown; narrow the range.',
    col_time: 'Time',
    col_project: 'Project',
    col_op: 'Operation',
    col_dept: 'Department',
    col_reason: 'Reason',
    col_tx: 'Transaction',
    none: '—',
    oplog: 'Operation log (node {node})',
    oplog_hint: 'Every signed read and every transaction decision of this node, linked in an SM3 hash chain whose head is anchored on the ledger. This page recomputes the whole chain and checks it against the ledger’s anchors.',
    oplog_ok: '✔ The chain is intact: records {from}–{to}, consistent with {anchors} anchors on the ledger; {unanchored} records after the newest anchor are not anchored yet.',
    oplog_bad: '✘ The operation log was altered: {why}',
    oplog_partial: 'Only the first {n} records were checked; use gongxin access-log verify for the rest.',
    oplog_newest: 'Newest records',
    col_actor: 'Actor',
    col_target: 'Request',
    col_outcome: 'Result',
    trail: 'Export the audit trail',
    trail_hint: 'Every ledger entry, applied or rejected, decoded: time, block, operation, project, result, signer. Each can be verified on its own with gongxin verify. At most 200,000 rows at a time: give a block range for a larger ledger.',
    from_height: 'First block (optional)',
    bad_height: 'A block height is digits only; one that is not is left out of the export.',
    to_height: 'Last block (optional)',
  },
});

/** How often the watch checks while the page is open. */
const CHECK_EVERY_MS = 60_000;
/** Pages of rejections read at most (500 each). */
const REJECTION_PAGES_MAX = 10;

/**
 * One check of the node's genesis (read under the schema built into the console) and its
 * checkpoint, folded into the kept state. The genesis is handed on (for checking files) only
 * when it is the one trusted.
 */
async function checkOnce(session: Session, kept: DeskState): Promise<{ state: DeskState; genesis: ReadGenesis | null }> {
  const now = Date.now();
  const genesis = readGenesis(await session.gateway.openGet<unknown>('/public/v1/genesis'));
  const afterGenesis = withGenesis(kept, genesis.hash, now);
  if (afterGenesis.alarm) {
    return { state: { ...afterGenesis.state, lastChecked: now }, genesis: null };
  }
  const [note, sets] = await Promise.all([getText(session, '/v1/checkpoint'), session.gateway.openGet<ValidatorSetsAnswer>('/v1/validator-sets')]);
  const handovers = handoversOf(sets);
  const consistency = async (first: number, second: number) =>
    (await session.gateway.openGet<{ consistency_path: string[] }>(`/v1/proofs/consistency?first=${first}&second=${second}`)).consistency_path;
  const judgement = await judge(genesis.listing, genesis.chainId, afterGenesis.state.trusted, { note, handovers }, consistency, now);
  return { state: withJudgement(afterGenesis.state, judgement, now), genesis };
}

/** Runs `task` holding the browser-wide lock `name` (Web Locks), or just runs it without them. */
async function exclusive<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? locks.request(name, task) : task();
}

function useDesk(session: Session) {
  const chainId = session.status.chain_id;
  const [initial] = useState(() => load(localStorage, chainId));
  const [state, setState] = useState<DeskState>(initial.state);
  const [genesis, setGenesis] = useState<ReadGenesis | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const running = useRef(false);
  const check = useCallback(async () => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    try {
      // Read, check and write under one lock, so two tabs (or a remounted page) never write
      // over each other's alarms; read afresh inside it, as another tab may have checked.
      const result = await exclusive(storageKey(chainId), async () => {
        const checked = await checkOnce(session, load(localStorage, chainId).state);
        save(localStorage, checked.state);
        return checked;
      });
      setState(result.state);
      setGenesis(result.genesis);
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, [session, chainId]);
  useEffect(() => {
    void check();
    const timer = setInterval(() => void check(), CHECK_EVERY_MS);
    return () => clearInterval(timer);
  }, [check]);
  const clear = () => {
    void exclusive(storageKey(chainId), async () => {
      const next = clearAlarms(load(localStorage, chainId).state);
      save(localStorage, next);
      setState(next);
    });
  };
  return { state, genesis, busy, error, check, clear, reset: initial.reset };
}

function download(name: string, value: unknown): void {
  saveBlob(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }), name);
}

function AlarmBanner({ alarms, onClear }: { alarms: Alarm[]; onClear: () => void }) {
  if (alarms.length === 0) return null;
  return (
    <section class="desk-alarm" role="alert" aria-labelledby="desk-alarm-title">
      <h2 id="desk-alarm-title">{t('alarm_title')}</h2>
      <ul class="plain">
        {alarms.map((a) => (
          <li key={`${a.at}-${a.kind}`}>
            <strong>{t(`alarm.${a.kind satisfies AlarmKind}`)}</strong> · <When ms={a.at} time />
            <p>{a.reason}</p>
            <details>
              <summary>{t('evidence')}</summary>
              {a.trustedNote && <pre>{a.trustedNote}</pre>}
              {a.presentedNote && <pre>{a.presentedNote}</pre>}
              {a.consistencyPath && <pre>{a.consistencyPath.join('\n')}</pre>}
            </details>
          </li>
        ))}
      </ul>
      <div class="actions">
        <button type="button" class="btn" onClick={() => download(`gongxin-alarm-${alarms[0].at}.json`, alarms)}>
          {t('download')}
        </button>
        <button type="button" class="btn btn-danger-ghost" onClick={() => confirm(t('clear_confirm')) && onClear()}>
          {t('clear')}
        </button>
      </div>
    </section>
  );
}

function eventText(e: DeskEvent): string {
  if (e.kind === 'alarm') return `${t('event.alarm')}: ${e.reason ?? ''}`;
  if (e.kind === 'extended') return t('event.extended', { from: e.from ?? 0, size: e.size });
  return `${t('event.first_use')} (${t('size', { size: e.size })})`;
}

function Watch({ desk }: { desk: ReturnType<typeof useDesk> }) {
  const { state, busy, error, check } = desk;
  const trusted = state.trusted;
  return (
    <section class="card stack" aria-labelledby="desk-watch">
      <div class="actions desk-head">
        <h2 id="desk-watch">{t('watch')}</h2>
        <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void check()}>
          {busy ? t('checking') : t('check_now')}
        </button>
      </div>
      <p class="hint">{t('watch_hint')}</p>
      {desk.reset && <p class="state state-error">{t('reset')}</p>}
      {error !== null && <p class="state state-error">{t('unreachable', { why: errorText(error) })}</p>}
      <dl class="desk-facts">
        <dt>{t('genesis')}</dt>
        <dd>{state.genesisHash ? <code class="desk-hash">{state.genesisHash}</code> : t('none')}</dd>
        <dt>{t('last')}</dt>
        <dd>
          {trusted ? (
            <>
              {t('size', { size: trusted.size })} · <Hex value={trusted.root} /> · {t('signers', { names: trusted.signers.join('、') })}
            </>
          ) : (
            t('none')
          )}
        </dd>
        <dt>{t('checked_at')}</dt>
        <dd>{state.lastChecked ? <When ms={state.lastChecked} time /> : t('never')}</dd>
      </dl>
      <h3>{t('history')}</h3>
      {state.events.length === 0 ? (
        <Empty>{t('no_events')}</Empty>
      ) : (
        <ul class="plain desk-events">
          {state.events.slice(0, 20).map((e) => (
            <li key={`${e.at}-${e.kind}-${e.size}`} class={e.kind === 'alarm' ? 'desk-event-alarm' : undefined}>
              <When ms={e.at} time /> · {eventText(e)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type FileResult =
  | { kind: 'bundle'; verdict: BundleVerdict }
  | { kind: 'bundle_bad'; why: string }
  | { kind: 'hash'; name: string; hash: string };

async function examine(file: File, genesis: ReadGenesis | null): Promise<FileResult> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const text = file.name.endsWith('.json') ? new TextDecoder().decode(bytes) : null;
  if (text !== null && text.includes('"tx_hash"')) {
    if (!genesis) return { kind: 'bundle_bad', why: t('no_genesis') };
    try {
      return { kind: 'bundle', verdict: verifyBundle(genesis.listing, genesis.chainId, parseBundle(text)) };
    } catch (e) {
      return { kind: 'bundle_bad', why: errorText(e) };
    }
  }
  return { kind: 'hash', name: file.name, hash: toHex(sm3(bytes)) };
}

function FileCheck({ genesis }: { genesis: ReadGenesis | null }) {
  const [result, setResult] = useState<FileResult | null>(null);
  const [expected, setExpected] = useState('');
  const take = async (file: File | undefined) => {
    if (file) setResult(await examine(file, genesis));
  };
  const wanted = expected.trim().toLowerCase();
  return (
    <section class="card stack" aria-labelledby="desk-files">
      <h2 id="desk-files">{t('files')}</h2>
      <p class="hint">{t('files_hint')}</p>
      <FileDrop prompt={t('drop')} choose={t('choose')} label={t('files')} onFile={(f) => void take(f)} />
      {result?.kind === 'bundle' && (
        <p class="desk-ok" role="status">
          {t('bundle_ok', { tx: result.verdict.txHash, index: result.verdict.leafIndex, size: result.verdict.treeSize, names: result.verdict.signers.join('、') })}
        </p>
      )}
      {result?.kind === 'bundle_bad' && (
        <p class="desk-bad" role="alert">
          {t('bundle_bad', { why: result.why })}
        </p>
      )}
      {result?.kind === 'hash' && (
        <div class="stack" role="status">
          <p>
            {t('file_hash', { name: result.name })} <code class="desk-hash">{result.hash}</code>
          </p>
          <label class="field">
            <span>{t('expected')}</span>
            <input type="text" value={expected} spellcheck={false} onInput={(e) => setExpected((e.target as HTMLInputElement).value)} />
          </label>
          {wanted !== '' && <p class={wanted === result.hash ? 'desk-ok' : 'desk-bad'}>{wanted === result.hash ? t('match') : t('mismatch')}</p>}
        </div>
      )}
    </section>
  );
}

/** Pages of the operation log read at most (1,000 records each). */
const LOG_PAGES_MAX = 20;

interface LogPage {
  node: string;
  start: ChainPoint;
  flushed: ChainPoint;
  records: ChainedRecord[];
  next: number | null;
}

interface OpLog {
  node: string;
  records: ChainedRecord[];
  partial: boolean;
  verdict: { ok: true; report: ChainReport } | { ok: false; why: string };
}

/** Every anchor the ledger holds for `node`'s log, and whether the list was cut short. */
async function fetchAnchors(session: Session, node: string | null): Promise<{ anchors: ChainPoint[]; complete: boolean }> {
  const anchors: ChainPoint[] = [];
  let after: number | null = null;
  for (let i = 0; i < LOG_PAGES_MAX; i++) {
    const query = new URLSearchParams({ ...(node === null ? {} : { node }), ...(after === null ? {} : { after: String(after) }) });
    const page: { anchors: { point: ChainPoint }[]; next: number | null } = await get(session, `/v1/access-log/anchors?${query}`);
    anchors.push(...page.anchors.map((a) => a.point));
    after = page.next;
    if (after === null) return { anchors, complete: true };
  }
  return { anchors, complete: false };
}

/**
 * The anchors first, then the log as far as it was written when it was first read (reading it
 * adds records: each read is logged). Anchors are always of written points, so every anchor read
 * before the log lies within it, and one beyond the records means records were deleted. Only
 * a check cut short (too many pages) leaves later anchors aside, and says so.
 */
async function fetchOpLog(session: Session): Promise<OpLog> {
  const { anchors, complete } = await fetchAnchors(session, null);
  const first = await get<LogPage>(session, '/v1/access-log?limit=1000');
  const last = first.flushed.count - 1;
  const records = [...first.records];
  let next = first.next;
  let pages = 1;
  while (next !== null && next <= last && pages < LOG_PAGES_MAX) {
    const page: LogPage = await get<LogPage>(session, `/v1/access-log?from=${next}&to=${last}&limit=1000`);
    records.push(...page.records);
    next = page.next;
    pages += 1;
  }
  const partial = (next !== null && next <= last) || !complete;
  const checkedTo = first.start.count + records.length;
  const checked = partial ? anchors.filter((a) => a.count <= checkedTo) : anchors;
  try {
    const report = verifyChain(first.start, records, checked);
    return { node: first.node, records, partial, verdict: { ok: true, report } };
  } catch (e) {
    return { node: first.node, records, partial, verdict: { ok: false, why: errorText(e) } };
  }
}

function OperationLog({ session }: { session: Session }) {
  const r = useAsync(() => fetchOpLog(session), []);
  const log = r.data;
  return (
    <section class="card stack" aria-labelledby="desk-oplog">
      <h2 id="desk-oplog">{t('oplog', { node: log?.node ?? session.status.node })}</h2>
      <p class="hint">{t('oplog_hint')}</p>
      {r.loading && <Loading />}
      {r.error !== null && <ErrorState error={r.error} onRetry={r.reload} />}
      {log && log.verdict.ok && (
        <p class="desk-ok" role="status">
          {t('oplog_ok', {
            from: log.verdict.report.start.count + 1,
            to: log.verdict.report.end.count,
            anchors: log.verdict.report.anchorsMatched,
            unanchored: log.verdict.report.unanchored,
          })}
        </p>
      )}
      {log && !log.verdict.ok && (
        <p class="desk-bad" role="alert">
          {t('oplog_bad', { why: log.verdict.why })}
        </p>
      )}
      {log?.partial && <p class="hint">{t('oplog_partial', { n: log.records.length })}</p>}
      {log && log.records.length > 0 && (
        <div class="table-wrap">
          <table class="table desk-oplog">
            <caption>{t('oplog_newest')}</caption>
            <thead>
              <tr>
                <th>{t('col_time')}</th>
                <th>{t('col_actor')}</th>
                <th>{t('col_target')}</th>
                <th>{t('col_outcome')}</th>
              </tr>
            </thead>
            <tbody>
              {log.records
                .slice(-20)
                .reverse()
                .map((x) => (
                  <tr key={x.seq}>
                    <td data-label={t('col_time')}>
                      <When ms={x.at_ms} time />
                    </td>
                    <td data-label={t('col_actor')}>
                      {x.department || t('none')} <Hex value={x.actor} />
                    </td>
                    <td data-label={t('col_target')}>
                      <code class="desk-hash">{x.target}</code>
                    </td>
                    <td data-label={t('col_outcome')}>{x.outcome}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

async function fetchRejections(session: Session, fromHeight: number): Promise<{ items: RejectionRecord[]; truncated: boolean }> {
  const items: RejectionRecord[] = [];
  let after: string | null = null;
  for (let i = 0; i < REJECTION_PAGES_MAX; i++) {
    const query = new URLSearchParams({ from_height: String(fromHeight), limit: '500' });
    if (after) query.set('after', after);
    const page: Page<RejectionRecord> = await get<Page<RejectionRecord>>(session, `/v1/rejections?${query}`);
    items.push(...page.items);
    after = page.next;
    if (!after) return { items: items.reverse(), truncated: false };
  }
  return { items: items.reverse(), truncated: true };
}

function Rejections({ session }: { session: Session }) {
  const [range, setRange] = useState<'10000' | '100000' | 'all'>('100000');
  const r = useAsync(async () => {
    // The node's height now, not at sign-in: the page may have been open for hours.
    const height = (await session.gateway.status()).height;
    return fetchRejections(session, range === 'all' ? 0 : Math.max(0, height - Number(range)));
  }, [range]);
  return (
    <section class="card stack" aria-labelledby="desk-rejections">
      <div class="actions desk-head">
        <h2 id="desk-rejections">{t('rejections')}</h2>
        <label class="field field-inline">
          <span>{t('window')}</span>
          <select value={range} onChange={(e) => setRange((e.target as HTMLSelectElement).value as typeof range)}>
            {(['10000', '100000', 'all'] as const).map((w) => (
              <option key={w} value={w}>
                {t(`window.${w}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {r.loading && <Loading />}
      {r.error !== null && <ErrorState error={r.error} onRetry={r.reload} />}
      {r.data && r.data.items.length === 0 && <Empty>{t('no_rejections')}</Empty>}
      {r.data && r.data.truncated && <p class="hint">{t('truncated', { n: r.data.items.length })}</p>}
      {r.data && r.data.items.length > 0 && (
        <div class="table-wrap">
          <table class="table desk-rejections">
            <thead>
              <tr>
                <th>{t('col_time')}</th>
                <th>{t('col_project')}</th>
                <th>{t('col_op')}</th>
                <th>{t('col_dept')}</th>
                <th>{t('col_reason')}</th>
                <th>{t('col_tx')}</th>
              </tr>
            </thead>
            <tbody>
              {r.data.items.map((x) => (
                <tr key={x.tx}>
                  <td data-label={t('col_time')}>
                    <When ms={x.time_ms} time />
                  </td>
                  <td data-label={t('col_project')}>{x.project ? <a href={`#/projects/${encodeURIComponent(x.project)}`}>{x.project}</a> : t('none')}</td>
                  <td data-label={t('col_op')}>{opLabel(x.kind)}</td>
                  <td data-label={t('col_dept')}>{x.signer_department || t('none')}</td>
                  <td data-label={t('col_reason')}>
                    <code>{x.rejection.code}</code> {x.rejection.reason ?? x.alert?.message ?? ''}
                  </td>
                  <td data-label={t('col_tx')}>
                    <Hex value={x.tx} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Heights typed in the range fields: digits only, or nothing. */
function heightFilter(text: string): string | undefined {
  const trimmed = text.trim();
  return /^\d{1,19}$/.test(trimmed) ? trimmed : undefined;
}

function Trail({ session }: { session: Session }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  return (
    <section class="card stack" aria-labelledby="desk-trail">
      <h2 id="desk-trail">{t('trail')}</h2>
      <p class="hint">{t('trail_hint')}</p>
      <div class="actions">
        <label class="field">
          <span>{t('from_height')}</span>
          <input type="text" inputMode="numeric" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>{t('to_height')}</span>
          <input type="text" inputMode="numeric" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      {[from, to].some((v) => v.trim() !== '' && heightFilter(v) === undefined) && (
        <p class="desk-bad" role="alert">
          {t('bad_height')}
        </p>
      )}
      <ExportButtons session={session} table="trail" filters={{ from_height: heightFilter(from), to_height: heightFilter(to) }} />
    </section>
  );
}

export function AuditDeskPage() {
  const session = useSession();
  if (!session.me.reads_everything) {
    return (
      <section class="stack">
        <h1>{t('title')}</h1>
        <p>{t('only_audit')}</p>
      </section>
    );
  }
  return <Desk session={session} />;
}

function Desk({ session }: { session: Session }) {
  const desk = useDesk(session);
  return (
    <div class="stack desk">
      <h1>{t('title')}</h1>
      <AlarmBanner alarms={desk.state.alarms} onClear={desk.clear} />
      <Watch desk={desk} />
      <FileCheck genesis={desk.genesis} />
      <OperationLog session={session} />
      <Rejections session={session} />
      <Trail session={session} />
    </div>
  );
}
