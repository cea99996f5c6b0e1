import { useState } from 'preact/hooks';
import { ApiError, login, type Session } from '../api';

export function Login({ onLogin }: { onLogin: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onLogin(await login(token.trim()));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That token is not valid.' : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="login">
      <form class="card login-card" onSubmit={submit} data-testid="login-form">
        <h1>
          order<b>bus</b> console
        </h1>
        <p class="muted">Log in with an admin token (ORDERBUS_ADMIN_TOKENS). A viewer token reads; an operator token also acts.</p>
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} autofocus />
        {error && (
          <div class="notice error" role="alert">
            {error}
          </div>
        )}
        <button class="btn primary" type="submit" disabled={busy || token.trim().length === 0}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
        <p class="muted small">The token stays in this browser tab; closing the tab logs you out.</p>
      </form>
    </div>
  );
}
