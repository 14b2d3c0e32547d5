// The page frame for signed-in pages: header (who I am, zh/EN switch, sign-out), the main
// navigation (a side/top bar on desktops, a bottom tab bar with a "more" sheet on phones), a
// skip link and the <main> landmark the pages render into.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { makeT, roleLabel, useLang } from '../i18n';
import { signOut, useMaybeSession } from '../session';
import type { RouteName } from '../router';

const t = makeT({
  zh: {
    skip: '跳到正文',
    nav: '主导航',
    'nav.inbox': '我的待办',
    'nav.projects': '项目',
    'nav.gantt': '甘特图',
    'nav.dashboard': '仪表盘',
    'nav.rectifications': '整改台账',
    'nav.op': '办理业务',
    'nav.report': '进度填报',
    'nav.minutes': '纪要转任务',
    'nav.audit': '审计台',
    more: '更多',
    close_menu: '关闭菜单',
    signout: '退出',
    signout_title: '退出登录（清除内存中的密钥）',
    switch_lang: 'Switch to English',
    node: '节点 {node} · 高度 {height}',
    me: '当前用户',
  },
  en: {
    skip: 'Skip to content',
    nav: 'Main navigation',
    'nav.inbox': 'My inbox',
    'nav.projects': 'Projects',
    'nav.gantt': 'Gantt',
    'nav.dashboard': 'Dashboard',
    'nav.rectifications': 'Rectifications',
    'nav.op': 'Operations',
    'nav.report': 'Report progress',
    'nav.minutes': 'Minutes → tasks',
    'nav.audit': 'Audit desk',
    more: 'More',
    close_menu: 'Close menu',
    signout: 'Sign out',
    signout_title: 'Sign out (drops the key from memory)',
    switch_lang: '切换到中文',
    node: 'Node {node} · height {height}',
    me: 'Signed in as',
  },
});

interface NavItem {
  route: RouteName;
  hash: string;
  key: string;
  icon: string;
  /** Shown only to readers of everything (the audit department). */
  auditOnly?: boolean;
}

const NAV: NavItem[] = [
  { route: 'inbox', hash: '#/inbox', key: 'nav.inbox', icon: '✉' },
  { route: 'projects', hash: '#/projects', key: 'nav.projects', icon: '▤' },
  { route: 'gantt', hash: '#/gantt', key: 'nav.gantt', icon: '☰' },
  { route: 'dashboard', hash: '#/dashboard', key: 'nav.dashboard', icon: '◔' },
  { route: 'rectifications', hash: '#/rectifications', key: 'nav.rectifications', icon: '⚑' },
  { route: 'op', hash: '#/op', key: 'nav.op', icon: '✎' },
  { route: 'report', hash: '#/report', key: 'nav.report', icon: '⇪' },
  { route: 'minutes', hash: '#/minutes', key: 'nav.minutes', icon: '❝' },
  { route: 'audit', hash: '#/audit', key: 'nav.audit', icon: '⚖', auditOnly: true },
];
/** The tabs a phone shows at the bottom; the rest sit behind "more". */
const PHONE_TABS: RouteName[] = ['inbox', 'projects', 'report', 'rectifications'];

function isCurrent(item: NavItem, current: RouteName): boolean {
  return item.route === current || (item.route === 'projects' && current === 'project');
}

/** Language toggle button (also used on the sign-in page). */
export function LangSwitch() {
  const { lang, setLang } = useLang();
  return (
    <button type="button" class="btn btn-ghost lang-switch" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')} lang={lang === 'zh' ? 'en' : 'zh-CN'}>
      {lang === 'zh' ? 'EN' : '中文'}
      <span class="sr-only"> {t('switch_lang')}</span>
    </button>
  );
}

export function Layout({ current, children }: { current: RouteName; children: ComponentChildren }) {
  useLang();
  const session = useMaybeSession();
  const [sheet, setSheet] = useState(false);
  useEffect(() => setSheet(false), [current]);
  useEffect(() => {
    if (!sheet) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setSheet(false);
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [sheet]);
  const me = session?.me;
  const nav = NAV.filter((item) => !item.auditOnly || me?.reads_everything);

  return (
    <div class="frame">
      <a class="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        {t('skip')}
      </a>
      <header class="app-header">
        <a class="brand" href="#/inbox">{t('app.title')}</a>
        {me && (
          <div class="whoami" aria-label={t('me')}>
            <span class="whoami-name">{me.name}</span>
            <span class="whoami-meta">
              {me.department} · {roleLabel(me.role)}
            </span>
          </div>
        )}
        <div class="header-actions">
          <LangSwitch />
          {me && (
            <button type="button" class="btn btn-ghost" title={t('signout_title')} onClick={signOut}>
              {t('signout')}
            </button>
          )}
        </div>
      </header>
      <nav class="side-nav" aria-label={t('nav')}>
        <ul>
          {nav.map((item) => (
            <li key={item.route}>
              <a href={item.hash} aria-current={isCurrent(item, current) ? 'page' : undefined}>
                <span aria-hidden="true" class="nav-icon">{item.icon}</span>
                {t(item.key)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1} class="main">
        {children}
      </main>
      <nav class="tab-bar" aria-label={t('nav')}>
        {nav.filter((i) => PHONE_TABS.includes(i.route)).map((item) => (
          <a key={item.route} href={item.hash} aria-current={isCurrent(item, current) ? 'page' : undefined}>
            <span aria-hidden="true" class="nav-icon">{item.icon}</span>
            <span>{t(item.key)}</span>
          </a>
        ))}
        <button type="button" aria-expanded={sheet} aria-controls="more-sheet" onClick={() => setSheet(!sheet)}>
          <span aria-hidden="true" class="nav-icon">⋯</span>
          <span>{t('more')}</span>
        </button>
      </nav>
      {sheet && (
        <div id="more-sheet" class="more-sheet" role="dialog" aria-modal="false" aria-label={t('more')}>
          <ul>
            {nav.filter((i) => !PHONE_TABS.includes(i.route)).map((item) => (
              <li key={item.route}>
                <a href={item.hash} aria-current={isCurrent(item, current) ? 'page' : undefined}>
                  {t(item.key)}
                </a>
              </li>
            ))}
          </ul>
          <button type="button" class="btn" onClick={() => setSheet(false)}>
            {t('close_menu')}
          </button>
        </div>
      )}
      {session && (
        <footer class="app-footer">
          {t('node', { node: session.status.node, height: session.status.height })} · {session.status.chain_id}
        </footer>
      )}
    </div>
  );
}
