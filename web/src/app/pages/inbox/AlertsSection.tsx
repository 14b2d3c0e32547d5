// 提醒与预警: the alerts naming me (as the person responsible, or as the director they go to)
// or addressed to my department — due soon (yellow), overdue and escalated (red), budget and
// irregularity alerts — each with who has acknowledged it, and a 确认已阅 button that signs an
// `acknowledge_alert`, so who saw a reminder and when is on the ledger.
import { useState } from 'preact/hooks';
import { alertLabel, makeT, roleLabel } from '../../i18n';
import type { Session, WhoAmI } from '../../session';
import { get } from '../../chain';
import { useAsync } from '../../components/useAsync';
import { useSubmit } from '../../submit';
import { Empty, ErrorState, Loading, When } from '../../components/ui';
import { OutcomeNote, outcomeText } from '../../components/Outcome';
import { toast } from '../../components/Toasts';
import { qs, type AlertView, type Page } from '../../components/records';
import { alertText } from '../../components/alertText';

const t = makeT({
  zh: {
    title: '提醒与预警',
    mine: '给我的',
    dept: '本部门',
    open_only: '只看未确认',
    none: '没有提醒。',
    ack: '确认已阅',
    acked: '✔ 您已确认 {time}',
    acked_toast: '✔ 已确认（已上链）',
    acks: '已确认：{names}',
    no_acks: '尚无人确认',
    escalated: '已上报 {dept}',
    open_project: '打开项目 {id}',
  },
  en: {
    title: 'Reminders and alerts',
    mine: 'For me',
    dept: 'My department',
    open_only: 'Unacknowledged only',
    none: 'No reminders.',
    ack: 'Acknowledge',
    acked: '✔ You acknowledged it {time}',
    acked_toast: '✔ Acknowledged (on the ledger)',
    acks: 'Acknowledged by: {names}',
    no_acks: 'Nobody has acknowledged it yet',
    escalated: 'Escalated to {dept}',
    open_project: 'Open project {id}',
  },
});

/** The colour an alert is shown in: due soon and the first budget threshold are yellow, the rest red. */
export function alertTone(kind: string): 'yellow' | 'red' {
  return kind.endsWith('_due_soon') || kind === 'budget_use_80' ? 'yellow' : 'red';
}

/** My acknowledgement of `alert`, if I gave one (by my current key or my person key). */
export function myAcknowledgement(alert: AlertView, me: WhoAmI) {
  return alert.acknowledgements.find((a) => a.by === me.public_key || a.person === me.public_key);
}

/** Newest first; unacknowledged before acknowledged within the same time. */
export function sortAlerts(items: AlertView[]): AlertView[] {
  return [...items].sort((a, b) => b.time_ms - a.time_ms || a.acknowledgements.length - b.acknowledgements.length);
}

function AlertCard({ alert, session, onDone }: { alert: AlertView; session: Session; onDone: () => void }) {
  const s = useSubmit(session);
  const mine = myAcknowledgement(alert, session.me);
  const kind = alert.kind.alert;
  const acknowledge = async () => {
    const r = await s.submit({ acknowledge_alert: { alert: alert.digest, note: '' } });
    if (!r) return;
    const applied = r.outcome === 'applied';
    toast(applied ? t('acked_toast') : outcomeText(r), applied ? 'ok' : r.outcome === 'pending' ? 'info' : 'error');
    if (r.outcome !== 'pending') onDone();
  };
  return (
    <li class={`card item alert-item light-border-${alertTone(kind)}`} data-alert={alert.digest}>
      <div class="item-head">
        <h3>⚠ {alertLabel(kind)}</h3>
        <When ms={alert.time_ms} time />
      </div>
      <p>{alertText(alert)}</p>
      {alert.escalated_to && <p class="muted">{t('escalated', { dept: alert.escalated_to })}</p>}
      {alert.project && (
        <a href={`#/projects/${encodeURIComponent(alert.project)}`} aria-label={t('open_project', { id: alert.project })}>
          {alert.project}
        </a>
      )}
      <p class="muted ack-line">
        {alert.acknowledgements.length === 0
          ? t('no_acks')
          : t('acks', { names: alert.acknowledgements.map((a) => `${a.name}（${roleLabel(a.role)}）`).join('、') })}
      </p>
      {mine ? (
        <p class="ack-mine">{t('acked', { time: new Date(mine.time_ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) })}</p>
      ) : (
        <div class="actions">
          <button type="button" class="btn btn-primary" disabled={s.busy} onClick={acknowledge}>
            {t('ack')}
          </button>
        </div>
      )}
      <OutcomeNote result={s.result?.outcome === 'applied' ? null : s.result} error={s.error} />
    </li>
  );
}

export function AlertsSection({ session }: { session: Session }) {
  const [scope, setScope] = useState<'mine' | 'dept'>('mine');
  const [openOnly, setOpenOnly] = useState(false);
  const dept = session.me.department;
  const path = scope === 'mine' ? '/v1/me/alerts' : `/v1/departments/${encodeURIComponent(dept)}/alerts`;
  const r = useAsync(() => get<Page<AlertView>>(session, `${path}${qs({ state: openOnly ? 'open' : undefined, limit: 100 })}`), [path, openOnly]);
  const items = sortAlerts(r.data?.items ?? []);
  return (
    <section class="stack" aria-labelledby="inbox-alerts">
      <h2 id="inbox-alerts">
        {t('title')} {r.data && <span class="count">{items.length}</span>}
      </h2>
      <div class="actions" role="group" aria-label={t('title')}>
        <button type="button" class={scope === 'mine' ? 'btn btn-primary' : 'btn'} aria-pressed={scope === 'mine'} onClick={() => setScope('mine')}>
          {t('mine')}
        </button>
        <button type="button" class={scope === 'dept' ? 'btn btn-primary' : 'btn'} aria-pressed={scope === 'dept'} onClick={() => setScope('dept')}>
          {t('dept')}
        </button>
        <label class="check">
          <input type="checkbox" checked={openOnly} onChange={(e) => setOpenOnly((e.target as HTMLInputElement).checked)} /> {t('open_only')}
        </label>
      </div>
      {r.loading && !r.data ? <Loading /> : r.error ? <ErrorState error={r.error} onRetry={r.reload} /> : items.length === 0 ? <Empty>{t('none')}</Empty> : (
        <ul class="cards">
          {items.map((a) => (
            <AlertCard key={a.digest} alert={a} session={session} onDone={r.reload} />
          ))}
        </ul>
      )}
    </section>
  );
}
