/** The shell: sign-in gate, navigation, and the page the URL fragment names. */
import { useEffect, useState } from 'react';
import { currentSession, setSignedOutHandler, signOut, type SessionInfo } from './api';
import { Loading } from './components/states';
import { CallbackEvents } from './pages/CallbackEvents';
import { CallbackTemplates } from './pages/CallbackTemplates';
import { DomainDetails } from './pages/DomainDetails';
import { DomainManagement } from './pages/DomainManagement';
import { Login } from './pages/Login';
import { Moderation } from './pages/Moderation';
import { Streams } from './pages/Streams';
import { href, useRoute } from './router';

const NAV = [
  { path: 'domains', label: 'Domain Management' },
  { path: 'templates', label: 'Callback Templates' },
  { path: 'streams', label: 'Streams' },
  { path: 'events', label: 'Callback Events' },
  { path: 'moderation', label: 'Moderation' },
] as const;

function Page({ route }: { route: string[] }) {
  const [section, id] = route;
  switch (section) {
    case 'templates':
      return <CallbackTemplates />;
    case 'streams':
      return <Streams />;
    case 'events':
      return <CallbackEvents />;
    case 'moderation':
      return <Moderation />;
    default:
      return id ? <DomainDetails name={id} /> : <DomainManagement />;
  }
}

export function App() {
  // undefined: still asking the server; null: signed out.
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
  const route = useRoute();

  useEffect(() => {
    setSignedOutHandler(() => {
      setExpired(true);
      setSession(null);
    });
    void currentSession().then((s) => setSession(s ?? null), () => setSession(null));
  }, []);

  if (session === undefined) return <Loading />;
  if (session === null) {
    return (
      <Login
        expired={expired}
        onSignedIn={(s) => {
          setExpired(false);
          setSession(s);
        }}
      />
    );
  }
  const active = route[0] ?? 'domains';
  return (
    <div className="shell">
      <header className="top">
        <a className="brand" href={href('domains')}>
          livehook
        </a>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <a key={item.path} href={href(item.path)} aria-current={active === item.path ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <span className="who">
          {session.username} · {session.appId}
        </span>
        <button type="button" onClick={() => void signOut().finally(() => setSession(null))}>
          Sign out
        </button>
      </header>
      <main className="content">
        <Page route={route} />
      </main>
    </div>
  );
}
