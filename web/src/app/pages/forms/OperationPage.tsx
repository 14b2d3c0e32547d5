// 业务办理 (#/op and #/op/:kind): a form for every operation kind, generated from the node's
// JSON Schema (GET /v1/schema/operations), with the approvals the policy will require shown live
// (GET /v1/policies), validation next to each field, and submission through the shell's
// useSubmit (signed once, followed to applied / rejected; never sent twice).
import { useMemo, useState } from 'preact/hooks';
import { deptKindLabel, roleLabel, useLang } from '../../i18n';
import { useSession, type Session } from '../../session';
import { get } from '../../chain';
import { useSubmit } from '../../submit';
import { useAsync } from '../../components/useAsync';
import { ErrorState, Loading } from '../../components/ui';
import { errorText as apiErrorText } from '../../components/errors';
import { formatWan, formatYuan } from '../../../api/format';
import { operationKinds, type Field, type KindSpec, type SchemaNode } from './schema';
import { draftToValue, emptyDraft, pathKey, updateAt, valueToDraft, type Draft, type FieldError, type Json } from './values';
import { amountFen, approvalSentence, hasAmount, nextPolicy, resolvePolicy, type ApprovalPolicy, type PolicyWords } from './policy';
import { kindLabel, rejectionText, tf as t } from './labels';
import { FieldView, inputId, type FieldContext, type Path } from './FieldView';
import { routeParams } from './params';
import './forms.css';

const GROUPS: [string, string[]][] = [
  ['page.group.project', []],
  ['page.group.identity', ['add_member', 'remove_member', 'rotate_member_key', 'approve', 'refuse', 'propose_governance', 'vote_governance']],
  ['page.group.rectification', ['raise_rectification', 'submit_rectification', 'verify_rectification']],
  ['page.group.other', ['anchor_access_log', 'record_risk_model']],
];

/** Kinds by group, project lifecycle taking everything not named elsewhere. */
function groupKinds(kinds: KindSpec[]): [string, KindSpec[]][] {
  const named = new Set(GROUPS.flatMap(([, ks]) => ks));
  return GROUPS.map(([title, ks]): [string, KindSpec[]] => [
    title,
    ks.length === 0 ? kinds.filter((k) => !named.has(k.kind)) : kinds.filter((k) => ks.includes(k.kind)),
  ]).filter(([, ks]) => ks.length > 0);
}

/** The operation kinds of this node's schema (cached by the gateway). */
async function loadKinds(session: Session): Promise<KindSpec[]> {
  const root = await session.gateway.operationsSchema();
  return operationKinds({ tx_body: root as unknown as SchemaNode });
}

const policyCache = new WeakMap<Session, Promise<ApprovalPolicy[]>>();

/** GET /v1/policies (signed), once per session. */
export function loadPolicies(session: Session): Promise<ApprovalPolicy[]> {
  let p = policyCache.get(session);
  if (!p) {
    p = get<{ policies?: ApprovalPolicy[] }>(session, '/v1/policies').then((r) => r.policies ?? []);
    p.catch(() => policyCache.delete(session));
    policyCache.set(session, p);
  }
  return p;
}

function KindPicker({ kinds, query }: { kinds: KindSpec[]; query: string }) {
  useLang();
  return (
    <section class="forms-page">
      <h1>{t('page.title')}</h1>
      <p>{t('page.pick')}</p>
      {groupKinds(kinds).map(([title, ks]) => (
        <section key={title} class="forms-group">
          <h2>{t(title)}</h2>
          <ul class="forms-kinds">
            {ks.map((k) => (
              <li key={k.kind}>
                <a class="forms-kind" href={`#/op/${k.kind}${query}`}>
                  {kindLabel(t, k.kind)}
                  <span class="forms-kind-id">{k.kind}</span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}

/** An empty form, with top-level fields prefilled from the query (`?project=SC-2026-001`). */
export function initialDraft(payload: Field | null, params: Record<string, string>): Draft | null {
  if (!payload) return null;
  const draft = emptyDraft(payload);
  if (payload.type !== 'object' || draft.k !== 'object') return draft;
  const fields = { ...draft.fields };
  for (const f of payload.fields) {
    const v = params[f.name];
    if (v !== undefined && v !== '' && (f.type === 'string' || f.type === 'enum')) fields[f.name] = valueToDraft(f, v);
  }
  return { ...draft, fields };
}

function policyWords(lang: 'zh' | 'en'): PolicyWords {
  return { lang, deptKind: deptKindLabel, deptId: (id) => id, projectOwner: t('variant.project_owner'), role: roleLabel };
}

function PolicyPanel({ session, kind, payload }: { session: Session; kind: string; payload: Json }) {
  const { lang } = useLang();
  const r = useAsync(() => loadPolicies(session), [session]);
  const amount = amountFen(kind, payload);
  let body;
  if (r.loading && !r.data) body = <p>{t('policy.loading')}</p>;
  else if (r.error != null) body = <p>{t('policy.unavailable', { message: apiErrorText(r.error) })}</p>;
  else {
    const policies = r.data ?? [];
    const words = policyWords(lang);
    const next = hasAmount(kind) ? nextPolicy(policies, kind, amount) : null;
    body = (
      <>
        <p class="forms-policy-main">
          {approvalSentence(resolvePolicy(policies, kind, amount), words)}
          {hasAmount(kind) && <span class="forms-policy-amount">（{t('policy.amount', { amount: formatWan(amount) })}）</span>}
        </p>
        {next && (
          <p class="forms-hint">
            {t('policy.next', { amount: formatYuan(next.min_amount_fen ?? 0), sentence: approvalSentence(next, words) })}
          </p>
        )}
      </>
    );
  }
  return (
    <aside class="forms-policy" aria-live="polite">
      <h2>{t('policy.title')}</h2>
      {body}
    </aside>
  );
}

/** Whether the policy in force at this amount asks for any approval (so "applied" means a request was opened). */
function needsApproval(policies: ApprovalPolicy[] | undefined, kind: string, payload: Json): boolean {
  const p = policies ? resolvePolicy(policies, kind, amountFen(kind, payload)) : null;
  return !!p && p.required.some((r) => r.count > 0);
}

function Outcome({ session, kind, payload, s }: { session: Session; kind: string; payload: Json; s: ReturnType<typeof useSubmit> }) {
  const policies = useAsync(() => loadPolicies(session).catch(() => []), [session]);
  if (s.busy) return <p role="status" class="forms-status">{t('page.submitting')}</p>;
  if (s.error) return <p role="alert" class="forms-result forms-rejected">{t('page.failed', { message: apiErrorText(s.error) })}</p>;
  if (!s.result) return null;
  const { hash, outcome } = s.result;
  let line;
  if (outcome === 'applied') {
    line = <p class="forms-applied">✔ {t(needsApproval(policies.data, kind, payload) ? 'page.opened_request' : 'page.applied')}</p>;
  } else if (outcome === 'pending') {
    line = <p>{t('page.pending')}</p>;
  } else {
    line = (
      <div class="forms-rejected">
        <p>
          ✘ {t('page.rejected')}：{rejectionText(t, outcome.rejected.code)}
        </p>
        <p class="forms-hint">
          {t('page.node_says')}（{outcome.rejected.code}）：{outcome.rejected.reason || '—'}
        </p>
      </div>
    );
  }
  return (
    <div role="status" class="forms-result">
      <p>
        {t('page.tx_hash')}：<code class="forms-mono forms-break">{hash}</code>
      </p>
      {line}
    </div>
  );
}

function errorIndex(errors: FieldError[]): Map<string, FieldError> {
  const m = new Map<string, FieldError>();
  for (const e of errors) if (!m.has(e.path)) m.set(e.path, e);
  return m;
}

function OperationForm({ spec, params }: { spec: KindSpec; params: Record<string, string> }) {
  useLang();
  const session = useSession();
  const s = useSubmit(session);
  const [draft, setDraft] = useState<Draft | null>(() => initialDraft(spec.payload, params));
  const [touched, setTouched] = useState<Set<string>>(() => new Set());
  const [attempted, setAttempted] = useState(false);
  const [sentKey, setSentKey] = useState<string | null>(null);

  const converted = useMemo(() => (spec.payload && draft ? draftToValue(spec.payload, draft) : { ok: true as const, value: null }), [spec, draft]);
  const errors = useMemo(() => errorIndex(converted.ok ? [] : converted.errors), [converted]);
  const operation: Json = spec.payload ? { [spec.kind]: converted.value } : spec.kind;
  const key = JSON.stringify(operation);
  const settled = s.result !== null && s.result.outcome !== 'pending' && sentKey === key;

  const ctx: FieldContext = {
    disabled: s.busy,
    update: (path: Path, f) => setDraft((d) => (d ? updateAt(d, path, f) : d)),
    touch: (path) => setTouched((old) => new Set(old).add(pathKey(path))),
    errorAt: (path) => {
      const k = pathKey(path);
      return attempted || touched.has(k) ? errors.get(k) : undefined;
    },
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (s.busy || settled) return;
    if (!converted.ok) {
      setAttempted(true);
      document.getElementById(inputId(converted.errors[0].path.split('.')))?.focus();
      return;
    }
    setSentKey(key);
    await s.submit(spec.payload ? (operation as object) : (spec.kind as unknown as object));
  };

  const again = () => {
    s.reset();
    setDraft(initialDraft(spec.payload, params));
    setTouched(new Set());
    setAttempted(false);
    setSentKey(null);
  };

  return (
    <section class="forms-page">
      <p>
        <a href="#/op">{t('page.back')}</a>
      </p>
      <h1>
        {kindLabel(t, spec.kind)} <span class="forms-kind-id">{spec.kind}</span>
      </h1>
      <form class="forms-form" onSubmit={submit} noValidate>
        {spec.payload && draft && <FieldView field={spec.payload} draft={draft} path={[]} ctx={ctx} bare />}
        <PolicyPanel session={session} kind={spec.kind} payload={spec.payload ? converted.value : null} />
        {attempted && !converted.ok && (
          <p role="alert" class="forms-error">
            {t('page.fix_errors', { n: converted.errors.length })}
          </p>
        )}
        <div class="forms-actions">
          <button type="submit" class="btn btn-primary forms-submit" disabled={s.busy || settled} aria-busy={s.busy}>
            {s.busy ? t('page.submitting') : t('page.submit')}
          </button>
          {settled && (
            <button type="button" class="btn" onClick={again}>
              {t('page.new')}
            </button>
          )}
        </div>
        <Outcome session={session} kind={spec.kind} payload={spec.payload ? converted.value : null} s={s} />
        <details class="forms-preview">
          <summary>{t('page.preview')}</summary>
          <pre class="forms-mono">{JSON.stringify(operation, null, 2)}</pre>
        </details>
      </form>
    </section>
  );
}

export function OperationPage(props: { params?: Record<string, string>; kind?: string }) {
  const session = useSession();
  useLang();
  const params = routeParams(props.params, { kind: props.kind });
  const kinds = useAsync(() => loadKinds(session), [session]);
  if (kinds.loading && !kinds.data) return <Loading label={t('page.loading')} />;
  if (kinds.error != null) return <ErrorState error={kinds.error} onRetry={kinds.reload} />;
  const list = kinds.data ?? [];
  const query = params.project ? `?project=${encodeURIComponent(params.project)}` : '';
  if (!params.kind) return <KindPicker kinds={list} query={query} />;
  const spec = list.find((k) => k.kind === params.kind);
  if (!spec) {
    return (
      <section class="forms-page">
        <p role="alert">{t('page.unknown_kind', { kind: params.kind })}</p>
        <a href="#/op">{t('page.back')}</a>
      </section>
    );
  }
  return <OperationForm key={spec.kind} spec={spec} params={params} />;
}
