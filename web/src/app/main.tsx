// Entry of the console bundle: mounts the app into #app. The app picks the page from the hash
// route, sends signed-out visitors to #/signin (remembering where they were going), and wraps
// every other page in the Layout frame.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { getLang, makeT, useLang } from './i18n';
import { useRoute, type Route } from './router';
import { SessionContext, onSession, getSession, type Session } from './session';
import { Layout } from './components/Layout';
import { Toasts } from './components/Toasts';
import { SigninPage } from './pages/signin/SigninPage';
import { InboxPage } from './pages/inbox/InboxPage';
import { ProjectsPage } from './pages/projects/ProjectsPage';
import { ProjectPage } from './pages/projects/ProjectPage';
import { RectificationsPage } from './pages/rectifications/RectificationsPage';
import { OpPage } from './pages/forms/OpPage';
import { ReportPage } from './pages/progress/ReportPage';
import { DashboardPage } from './pages/dashboard/DashboardPage';
import { GanttPage } from './pages/gantt/GanttPage';
import { MinutesPage } from './pages/minutes/MinutesPage';
import { AuditDeskPage } from './pages/audit/AuditDeskPage';

const t = makeT({
  zh: { notfound: '页面不存在', home: '返回我的待办' },
  en: { notfound: 'Page not found', home: 'Back to my inbox' },
});

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'inbox':
      return <InboxPage />;
    case 'projects':
      return <ProjectsPage query={route.query} />;
    case 'project':
      return <ProjectPage id={route.params.id} />;
    case 'rectifications':
      return <RectificationsPage query={route.query} />;
    case 'op':
      return <OpPage kind={route.params.kind} params={route.query} />;
    case 'report':
      return <ReportPage params={route.query} />;
    case 'dashboard':
      return <DashboardPage params={route.query} />;
    case 'gantt':
      return <GanttPage params={route.query} />;
    case 'minutes':
      return <MinutesPage params={route.query} />;
    case 'audit':
      return <AuditDeskPage />;
    default:
      return (
        <section class="stack">
          <h1>{t('notfound')}</h1>
          <a href="#/inbox">{t('home')}</a>
        </section>
      );
  }
}

function App() {
  const route = useRoute();
  const { lang } = useLang();
  const [session, setSession] = useState<Session | null>(getSession());
  useEffect(() => onSession(setSession), []);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);
  const needsSignin = !session && route.name !== 'signin';
  useEffect(() => {
    if (needsSignin) {
      sessionStorage.setItem('gongxin.after-signin', location.hash);
      location.replace('#/signin');
    }
  }, [needsSignin]);
  useEffect(() => {
    if (route.name === 'signin' && session) location.replace('#/inbox');
  }, [route.name, session]);

  if (route.name === 'signin' || !session) {
    return (
      <>
        <SigninPage />
        <Toasts />
      </>
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Layout current={route.name}>
        <Page route={route} />
      </Layout>
      <Toasts />
    </SessionContext.Provider>
  );
}

const root = document.getElementById('app');
if (root) {
  document.documentElement.lang = getLang() === 'zh' ? 'zh-CN' : 'en';
  root.textContent = '';
  render(<App />, root);
}
