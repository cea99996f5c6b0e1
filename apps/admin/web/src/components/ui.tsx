import type { ComponentChildren } from 'preact';
import type { ApiError, Health, Subscription } from '../api';

export function StatusBadge({ status }: { status: Subscription['status'] }) {
  const tone = status === 'enabled' ? 'ok' : status === 'auto-disabled' ? 'bad' : 'muted';
  return (
    <span class={`badge ${tone}`} data-testid="status">
      {status}
    </span>
  );
}

export function HealthBadge({ state }: { state: Health['state'] | undefined }) {
  if (!state) return <span class="badge muted">n/a</span>;
  const tone = state === 'healthy' ? 'ok' : state === 'degraded' ? 'warn' : state === 'failing' ? 'bad' : 'muted';
  return (
    <span class={`badge ${tone}`} data-testid="health">
      {state}
    </span>
  );
}

export function Card({ title, actions, children, testid }: { title?: string; actions?: ComponentChildren; children: ComponentChildren; testid?: string }) {
  return (
    <section class="card" data-testid={testid}>
      {(title || actions) && (
        <header class="card-head">
          {title && <h2>{title}</h2>}
          {actions && <div class="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function Stat({ label, value, tone, testid }: { label: string; value: ComponentChildren; tone?: 'ok' | 'warn' | 'bad'; testid?: string }) {
  return (
    <div class={`stat ${tone ?? ''}`} data-testid={testid}>
      <div class="stat-value">{value}</div>
      <div class="stat-label">{label}</div>
    </div>
  );
}

/** What a part of a page shows when its endpoint failed: "not available" for a missing endpoint, the error otherwise. */
export function Problem({ error, what }: { error: ApiError; what: string }) {
  if (error.unavailable) {
    return (
      <div class="notice" data-testid="unavailable">
        {what} is not available on this server yet.
      </div>
    );
  }
  return (
    <div class="notice error" role="alert">
      {what}: {error.message} {error.code !== 'network' && <code>{error.code}</code>}
    </div>
  );
}

export function Loading() {
  return <div class="muted loading">Loading…</div>;
}

/** A button for an action: disabled for viewers, with the reason as its tooltip. */
export function ActionButton(props: {
  canAct: boolean;
  onClick: () => void;
  children: ComponentChildren;
  tone?: 'primary' | 'danger' | 'plain';
  busy?: boolean;
  testid?: string;
  title?: string;
}) {
  const { canAct, onClick, children, tone = 'plain', busy = false, testid, title } = props;
  return (
    <button
      type="button"
      class={`btn ${tone}`}
      disabled={!canAct || busy}
      title={canAct ? title : 'Needs an operator token'}
      data-testid={testid}
      onClick={onClick}
    >
      {busy ? '…' : children}
    </button>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}
