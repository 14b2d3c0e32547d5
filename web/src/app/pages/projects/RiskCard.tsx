// 延期风险预测 on the project page: the probability that the project passes acceptance after its
// originally planned end, its level, and every factor's push up (red) or down (green), in the
// reader's language — from GET /v1/projects/{id}/risk. The model's version and the SM3 of its
// file are shown, so an auditor knows which model scored.
import { makeT, useLang } from '../../i18n';
import type { Session } from '../../session';
import { get } from '../../chain';
import { useAsync } from '../../components/useAsync';
import { bpText } from '../../components/format';
import { factorBars, normalizeRisk } from './risk';

const t = makeT({
  zh: {
    title: '延期风险预测',
    probability: '延期概率 {p}',
    'level.high': '高风险',
    'level.medium': '中风险',
    'level.low': '低风险',
    factors: '各因素的影响（红色推高风险，绿色降低风险）',
    model: '模型 {version} · 文件 SM3 {sm3}… · 评估于区块高度 {height}',
    recorded: '本节点已于区块 {h} 将该模型登记上链',
    unrecorded: '该模型尚未登记上链',
    failed: '风险评估暂不可用。',
  },
  en: {
    title: 'Delay risk (prediction)',
    probability: 'Probability of delay {p}',
    'level.high': 'High risk',
    'level.medium': 'Medium risk',
    'level.low': 'Low risk',
    factors: 'What moves it (red raises the risk, green lowers it)',
    model: 'Model {version} · file SM3 {sm3}… · scored at height {height}',
    recorded: 'this node recorded the model on the ledger at height {h}',
    unrecorded: 'the model is not recorded on the ledger yet',
    failed: 'The risk assessment is not available.',
  },
});

export function RiskCard({ session, id }: { session: Session; id: string }) {
  const { lang } = useLang();
  const r = useAsync(async () => normalizeRisk(await get<unknown>(session, `/v1/projects/${encodeURIComponent(id)}/risk`)), [id]);
  const a = r.data;
  return (
    <section class="card stack" aria-labelledby="p-risk">
      <h2 id="p-risk">{t('title')}</h2>
      {r.error != null && <p class="muted">{t('failed')}</p>}
      {a && !a.risk && <p class="muted">{a.not_scored}</p>}
      {a?.risk && (
        <>
          <p>
            <strong>{t('probability', { p: bpText(a.risk.probability_bp) })}</strong>{' '}
            <span class={`risk risk-${a.risk.level}`}>{t(`level.${a.risk.level}`)}</span>
          </p>
          <p>{lang === 'zh' ? a.risk.summary_zh : a.risk.summary_en}</p>
          <h3>{t('factors')}</h3>
          <ul class="risk-factors">
            {a.risk.factors.map((f, i) => {
              const bar = factorBars(a.risk!.factors)[i];
              return (
                <li class="risk-factor" key={f.feature}>
                  <span>{lang === 'zh' ? f.text_zh : f.text_en}</span>
                  <span class="risk-bar" role="img" aria-label={`${f.contribution > 0 ? '+' : ''}${f.contribution.toFixed(2)}`}>
                    <span class={bar.raises ? 'up' : 'down'} style={{ width: `${bar.reach_pct}%` }} />
                  </span>
                </li>
              );
            })}
          </ul>
        </>
      )}
      {a && a.model.version && (
        <p class="muted">
          {t('model', { version: a.model.version, sm3: a.model.sm3.slice(0, 12), height: a.height ?? '—' })} ·{' '}
          {a.model.recorded_height === null ? t('unrecorded') : t('recorded', { h: a.model.recorded_height })}
        </p>
      )}
    </section>
  );
}
