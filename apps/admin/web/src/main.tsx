import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { loadSession, logout, setUnauthorizedHandler, type Session } from './api';
import { href, useRoute } from './router';
import { Login } from './pages/Login';
import { Overview } from './pages/Overview';
import { Subscription } from './pages/Subscription';
import { Events } from './pages/Events';
import { Live } from './pages/Live';
import { Audit } from './pages/Audit';
import './styles.css';

/** After logging in from a redirect (`/console/?next=/queues`), go back there; only to this app's board. */
function returnTarget(): string | undefined {
  const next = new URLSearchParams(location.search).get('next');
  return next && /^\/queues(\/|$|\?)/.test(next) ? next : undefined;
}

function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const route = useRoute();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      void logout();
      setSession(undefined);
    });
  }, []);

  if (!session) {
    return (
      <Login
        onLogin={(s) => {
          const next = returnTarget();
          if (next) location.assign(next);
          setSession(s);
        }}
      />
    );
  }

  const [page = '', arg] = route.segments;
  const nav = (target: string, label: string, active: boolean) => (
    <a href={target} class={active ? 'active' : ''}>
      {label}
    </a>
  );
  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href={href.overview()}>
          order<b>bus</b>
        </a>
        <nav>
          {nav(href.overview(), 'Subscriptions', page === '' || page === 'subscriptions')}
          {nav(href.events(), 'Events', page === 'events')}
          {nav(href.live(), 'Live', page === 'live')}
          {nav(href.audit(), 'Audit', page === 'audit')}
          <a href="/queues" target="_blank" rel="noopener" data-testid="queues-link">
            Queues ↗
          </a>
        </nav>
        <div class="spacer" />
        <span class="who" data-testid="who">
          {session.name} <span class={`badge ${session.role === 'operator' ? 'ok' : 'muted'}`}>{session.role}</span>
        </span>
        <button
          class="btn plain small"
          type="button"
          onClick={() => {
            void logout();
            setSession(undefined);
          }}
        >
          Log out
        </button>
      </header>
      {session.role !== 'operator' && <div class="viewer-note">Read-only: this is a viewer token; actions need an operator token.</div>}
      <main>
        {page === 'subscriptions' && arg ? (
          <Subscription key={arg} baseCode={arg} session={session} />
        ) : page === 'events' ? (
          <Events route={route} />
        ) : page === 'live' ? (
          <Live />
        ) : page === 'audit' ? (
          <Audit />
        ) : (
          <Overview />
        )}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
