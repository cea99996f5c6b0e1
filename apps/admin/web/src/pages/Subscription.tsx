import { useMemo, useState } from 'preact/hooks';
import { api, ApiError, attemptOk, attemptStart, enc, type Attempt, type DeadLetter, type Handshake, type Health, type HealthBucket, type Page, type QueueStats, type Session, type Subscription as Sub } from '../api';
import { ago, duration, percent, scopeText, time, toDate } from '../format';
import { useAsync } from '../hooks';
import { href } from '../router';
import { TimeChart } from '../components/Chart';
import { ActionButton, Card, Empty, HealthBadge, Loading, Problem, Stat, StatusBadge } from '../components/ui';

const HISTORY_HOURS = 6;

type Outcome = { tone: 'ok' | 'bad'; title: string; lines?: string[]; handshake?: Handshake; secret?: { value: string; previousExpiresAt?: string } };

export function Subscription({ baseCode, session }: { baseCode: string; session: Session }) {
  const canAct = session.role === 'operator';
  const base = `/v1/subscriptions/${enc(baseCode)}`;
  const sub = useAsync(() => api.get<Sub>(base), [base], { refreshMs: 10_000 });
  const health = useAsync(() => api.get<Health>(`${base}/health`), [base], { refreshMs: 10_000 });
  const history = useAsync(
    () => api.get<{ items: HealthBucket[] }>(`${base}/health/history?since=${enc(new Date(Date.now() - HISTORY_HOURS * 3600_000).toISOString())}`),
    [base],
    { refreshMs: 30_000 },
  );
  const queue = useAsync(() => api.get<QueueStats>(`${base}/queue`), [base], { refreshMs: 5_000 });
  const attempts = useAsync(() => api.get<Page<Attempt>>(`${base}/attempts?limit=50`), [base], { refreshMs: 10_000 });
  const deadLetters = useAsync(() => api.get<Page<DeadLetter>>(`${base}/dead-letters?limit=100`), [base], { refreshMs: 10_000 });

  const [panel, setPanel] = useState<'enable' | 'disable' | undefined>();
  const [reason, setReason] = useState('');
  const [discardBacklog, setDiscardBacklog] = useState(false);
  const [busy, setBusy] = useState<string | undefined>();
  const [outcome, setOutcome] = useState<Outcome | undefined>();

  const reloadAll = async () => {
    await Promise.all([sub.reload(), health.reload(), queue.reload(), attempts.reload(), deadLetters.reload()]);
  };

  /** Runs an action, shows its outcome and refreshes the page. */
  const act = async (name: string, run: () => Promise<Outcome>) => {
    setBusy(name);
    setOutcome(undefined);
    try {
      setOutcome(await run());
    } catch (err) {
      const e = err as ApiError;
      const handshake = e.body?.error?.handshake as Handshake | undefined;
      setOutcome({
        tone: 'bad',
        title: e.unavailable ? `${name}: not available on this server yet.` : `${name} failed: ${e.message}`,
        ...(handshake ? { handshake } : {}),
      });
    } finally {
      setBusy(undefined);
      await reloadAll();
    }
  };

  const enable = () =>
    act('Enable', async () => {
      await api.post<Sub>(`${base}/enable`, { ...(reason ? { reason } : {}), ...(discardBacklog ? { discardBacklog: true } : {}) });
      setPanel(undefined);
      setReason('');
      return { tone: 'ok', title: 'Enabled: the callback accepted the connect request.' };
    });
  const disable = () =>
    act('Disable', async () => {
      await api.post<Sub>(`${base}/disable`, reason ? { reason } : {});
      setPanel(undefined);
      setReason('');
      return { tone: 'ok', title: 'Disabled: nothing more is queued for this subscription.' };
    });
  const pause = (paused: boolean) =>
    act(paused ? 'Resume' : 'Pause', async () => {
      const q = await api.post<QueueStats>(`${base}/${paused ? 'resume' : 'pause'}`);
      return { tone: 'ok', title: q.paused ? 'Queue paused: events keep queueing, nothing is delivered.' : 'Queue resumed.' };
    });
  const rotate = () =>
    act('Rotate secret', async () => {
      const r = await api.post<{ signingSecret: string; previousSecretExpiresAt?: string }>(`${base}/rotate-secret`);
      return { tone: 'ok', title: 'New signing secret', secret: { value: r.signingSecret, ...(r.previousSecretExpiresAt ? { previousExpiresAt: r.previousSecretExpiresAt } : {}) } };
    });
  const replayAll = () =>
    act('Replay all', async () => {
      const r = await api.post<{ replayed: number }>(`${base}/dead-letters/replay`, {});
      return { tone: 'ok', title: `Replayed ${r.replayed} dead letter${r.replayed === 1 ? '' : 's'}.` };
    });
  const replayOne = (eventId: string) =>
    act('Replay', async () => {
      await api.post(`${base}/dead-letters/${enc(eventId)}/replay`, {});
      return { tone: 'ok', title: `Replayed ${eventId}.` };
    });
  const discard = (eventId: string) =>
    act('Discard', async () => {
      await api.delete(`${base}/dead-letters/${enc(eventId)}`);
      return { tone: 'ok', title: `Discarded ${eventId}.` };
    });

  if (sub.error && !sub.data) {
    return (
      <div class="page">
        <p>
          <a href={href.overview()}>← Subscriptions</a>
        </p>
        {sub.error.status === 404 ? <div class="notice error">No subscription "{baseCode}".</div> : <Problem error={sub.error} what="The subscription" />}
      </div>
    );
  }
  if (!sub.data) return <Loading />;
  const s = sub.data;
  const q = queue.data;

  return (
    <div class="page" data-testid="subscription-page">
      <p class="crumbs">
        <a href={href.overview()}>← Subscriptions</a>
      </p>
      <div class="page-head">
        <h1>
          {s.baseCode} {s.systemName && <span class="muted">{s.systemName}</span>}
        </h1>
        <StatusBadge status={s.status} />
        <HealthBadge state={health.data?.state} />
        {q?.paused && <span class="badge warn">queue paused</span>}
        <div class="spacer" />
        <div class="actions">
          {s.status === 'enabled' ? (
            <ActionButton canAct={canAct} testid="action-disable" onClick={() => setPanel('disable')}>
              Disable…
            </ActionButton>
          ) : (
            <ActionButton canAct={canAct} tone="primary" testid="action-enable" onClick={() => setPanel('enable')}>
              Enable…
            </ActionButton>
          )}
          {q && (
            <ActionButton canAct={canAct} testid={q.paused ? 'action-resume' : 'action-pause'} busy={busy === 'Pause' || busy === 'Resume'} onClick={() => void pause(q.paused)}>
              {q.paused ? 'Resume queue' : 'Pause queue'}
            </ActionButton>
          )}
          <ActionButton canAct={canAct} testid="action-rotate" busy={busy === 'Rotate secret'} onClick={() => void rotate()}>
            Rotate secret
          </ActionButton>
        </div>
      </div>

      {panel && (
        <Card testid={`panel-${panel}`}>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void (panel === 'enable' ? enable() : disable());
            }}
          >
            <label class="grow">
              Reason (recorded on the subscription)
              <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} placeholder={panel === 'enable' ? 'receiver fixed' : 'maintenance window'} data-testid="reason" />
            </label>
            {panel === 'enable' && s.status === 'auto-disabled' && (
              <label class="check">
                <input type="checkbox" checked={discardBacklog} onChange={(e) => setDiscardBacklog((e.target as HTMLInputElement).checked)} /> Discard the backlog
              </label>
            )}
            <button class={`btn ${panel === 'enable' ? 'primary' : 'danger'}`} type="submit" disabled={!!busy} data-testid="confirm">
              {busy ? '…' : panel === 'enable' ? 'Enable (connect handshake)' : 'Disable'}
            </button>
            <button class="btn plain" type="button" onClick={() => setPanel(undefined)}>
              Cancel
            </button>
          </form>
        </Card>
      )}

      {outcome && <OutcomeBox outcome={outcome} onClose={() => setOutcome(undefined)} />}

      <div class="grid two">
        <Card title="Subscription" testid="details">
          <dl class="facts">
            <dt>Callback</dt>
            <dd>
              <code>{s.callbackUrl}</code>
            </dd>
            <dt>Data areas</dt>
            <dd>{scopeText(s.scope.dataAreas)}</dd>
            <dt>Change ids</dt>
            <dd>{scopeText(s.scope.changeIds)}</dd>
            <dt>Contact</dt>
            <dd>
              {s.contact.name} &lt;<a href={`mailto:${s.contact.email}`}>{s.contact.email}</a>&gt;
            </dd>
            <dt>Status</dt>
            <dd data-testid="status-reason">
              {s.status} — {s.statusReason} <span class="muted small">({s.statusChangedBy}, {ago(s.statusChangedAt)})</span>
            </dd>
            <dt>Registered</dt>
            <dd>{time(s.createdAt)}</dd>
          </dl>
        </Card>
        <Card title="Health" testid="health-card">
          {health.error && !health.data ? <Problem error={health.error} what="Health" /> : !health.data ? <Loading /> : <HealthFacts health={health.data} />}
        </Card>
      </div>

      <Card title={`Deliveries, last ${HISTORY_HOURS} hours (per minute)`} testid="history">
        {history.error && !history.data ? <Problem error={history.error} what="Health history" /> : !history.data ? <Loading /> : <HistoryCharts items={history.data.items} />}
      </Card>

      <Card title="Queue" testid="queue-card">
        {queue.error && !q ? (
          <Problem error={queue.error} what="The queue" />
        ) : !q ? (
          <Loading />
        ) : (
          <div class="stats">
            <Stat label="waiting" value={q.waiting} tone={q.waiting > 0 ? 'warn' : undefined} testid="queue-waiting" />
            <Stat label="retrying (delayed)" value={q.delayed} />
            <Stat label="in flight" value={q.active} />
            <Stat label="dead letters" value={q.deadLetters} tone={q.deadLetters > 0 ? 'bad' : undefined} testid="queue-dead-letters" />
            <Stat label="delivered (kept)" value={q.completed} tone="ok" testid="queue-completed" />
            <Stat label="oldest waiting" value={q.waiting > 0 ? duration(q.oldestWaitingAgeMs) : '—'} />
          </div>
        )}
      </Card>

      <Card
        title="Dead letters"
        testid="dead-letters"
        actions={
          <ActionButton canAct={canAct} tone="primary" testid="replay-all" busy={busy === 'Replay all'} onClick={() => void replayAll()}>
            Replay all
          </ActionButton>
        }
      >
        {deadLetters.error && !deadLetters.data ? (
          <Problem error={deadLetters.error} what="Dead letters" />
        ) : !deadLetters.data ? (
          <Loading />
        ) : deadLetters.data.items.length === 0 ? (
          <Empty>No dead letters.</Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th>Event</th>
                <th>Work order</th>
                <th>Failed</th>
                <th class="num">Attempts</th>
                <th>Last error</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {deadLetters.data.items.map((d) => (
                <tr key={d.eventId} data-testid={`dead-letter-${d.eventId}`}>
                  <td>
                    <a href={href.events({ eventId: d.eventId })}>
                      <code>{d.eventId}</code>
                    </a>
                    <div class="muted small">
                      changeId {d.changeId ?? '?'} · {d.dataArea ?? '?'}
                    </div>
                  </td>
                  <td>{d.orderKey ? <a href={href.events({ serviceOrderId: d.orderKey })}>{d.orderKey}</a> : '—'}</td>
                  <td>{time(d.failedAt)}</td>
                  <td class="num">{d.attempts}</td>
                  <td class="bad-text">
                    {d.lastError ?? '—'} {d.resultClass && <code>{d.resultClass}</code>}
                  </td>
                  <td class="row-actions">
                    <ActionButton canAct={canAct} testid="replay" onClick={() => void replayOne(d.eventId)}>
                      Replay
                    </ActionButton>
                    <ActionButton canAct={canAct} tone="danger" onClick={() => void discard(d.eventId)}>
                      Discard
                    </ActionButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <Card title="Recent attempts" testid="attempts">
        {attempts.error && !attempts.data ? <Problem error={attempts.error} what="Attempt history" /> : !attempts.data ? <Loading /> : <AttemptTable attempts={attempts.data.items} showEvent />}
      </Card>
    </div>
  );
}

function HealthFacts({ health }: { health: Health }) {
  const e = health.lastError;
  const lastError = typeof e === 'string' ? e : e ? `${e.status ? `HTTP ${e.status} ` : ''}${e.message ?? ''}` : undefined;
  return (
    <dl class="facts">
      <dt>State</dt>
      <dd>
        <HealthBadge state={health.state} />
      </dd>
      <dt>Success rate</dt>
      <dd>{percent(health.successRate)}</dd>
      <dt>Consecutive failures</dt>
      <dd class={health.consecutiveFailures > 0 ? 'bad-text' : ''}>{health.consecutiveFailures}</dd>
      {health.failingSince && (
        <>
          <dt>Failing since</dt>
          <dd>
            {time(health.failingSince)} ({ago(health.failingSince)})
          </dd>
        </>
      )}
      <dt>Last error</dt>
      <dd class="bad-text" data-testid="health-last-error">
        {lastError ?? <span class="muted">—</span>}
        {typeof e === 'object' && e?.at !== undefined && <span class="muted small"> {ago(e.at)}</span>}
      </dd>
      <dt>Last success</dt>
      <dd>{health.lastSuccessAt ? ago(health.lastSuccessAt) : '—'}</dd>
      <dt>Latency p50 / p99</dt>
      <dd>
        {duration(health.p50Ms)} / {duration(health.p99Ms)}
      </dd>
    </dl>
  );
}

function HistoryCharts({ items }: { items: HealthBucket[] }) {
  const data = useMemo(() => {
    const times = items.map((b) => Math.floor((toDate(b.at)?.getTime() ?? 0) / 1000));
    const now = Math.floor(Date.now() / 1000);
    return {
      times,
      counts: [
        { label: 'attempts', color: '#3b6fd8', values: items.map((b) => b.attempts), bars: true },
        { label: 'failures', color: '#d64545', values: items.map((b) => b.failures), bars: true },
      ],
      latency: [
        { label: 'p50 ms', color: '#2f9e6e', values: items.map((b) => b.p50Ms ?? null) },
        { label: 'p99 ms', color: '#c77c1e', values: items.map((b) => b.p99Ms ?? null) },
      ],
      range: [now - HISTORY_HOURS * 3600, now + 60] as [number, number],
    };
  }, [items]);
  if (items.length === 0) return <Empty>No attempts in the last {HISTORY_HOURS} hours.</Empty>;
  return (
    <div class="grid two">
      <TimeChart times={data.times} series={data.counts} xRange={data.range} leftLabel="per minute" testid="chart-attempts" />
      <TimeChart times={data.times} series={data.latency} xRange={data.range} leftLabel="ms" testid="chart-latency" />
    </div>
  );
}

export function AttemptTable({ attempts, showEvent }: { attempts: Attempt[]; showEvent?: boolean }) {
  if (attempts.length === 0) return <Empty>No attempts yet.</Empty>;
  return (
    <table class="table compact">
      <thead>
        <tr>
          <th>Started</th>
          {showEvent && <th>Event</th>}
          <th class="num">#</th>
          <th>Result</th>
          <th class="num">Duration</th>
          <th>Message</th>
          <th>Next retry</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a) => {
          const ok = attemptOk(a);
          return (
            <tr key={`${a.eventId}-${a.attemptNumber}-${String(attemptStart(a))}`} class={ok ? '' : 'failed'}>
              <td>{time(attemptStart(a))}</td>
              {showEvent && (
                <td>
                  <a href={href.events({ eventId: a.eventId })}>
                    <code>{a.eventId}</code>
                  </a>
                </td>
              )}
              <td class="num">{a.attemptNumber}</td>
              <td>
                <span class={`badge ${ok ? 'ok' : 'bad'}`}>{a.status ?? '—'}</span> <code>{a.resultClass}</code>
              </td>
              <td class="num">{duration(a.durationMs)}</td>
              <td class="message" title={a.responseSnippet ?? ''}>
                {a.message}
              </td>
              <td>{a.nextRetryAt !== undefined ? time(a.nextRetryAt) : '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function OutcomeBox({ outcome, onClose }: { outcome: Outcome; onClose: () => void }) {
  const h = outcome.handshake;
  return (
    <div class={`notice ${outcome.tone === 'ok' ? 'success' : 'error'}`} role="status" data-testid="outcome">
      <div class="notice-head">
        <strong>{outcome.title}</strong>
        <button class="btn plain small" type="button" onClick={onClose}>
          {outcome.secret ? 'I have stored it' : 'Dismiss'}
        </button>
      </div>
      {h && (
        <dl class="facts" data-testid="handshake">
          <dt>Handshake</dt>
          <dd>
            {h.status !== undefined ? `HTTP ${h.status}` : 'no response'} · <code>{h.resultClass}</code> · {duration(h.durationMs)}
          </dd>
          <dt>Message</dt>
          <dd>{h.message}</dd>
        </dl>
      )}
      {outcome.secret && (
        <div class="secret">
          <p>Shown once: give it to the subscriber now. Deliveries are signed with it from now on.</p>
          <code data-testid="new-secret">{outcome.secret.value}</code>
          <button class="btn plain small" type="button" onClick={() => void navigator.clipboard?.writeText(outcome.secret!.value)}>
            Copy
          </button>
          {outcome.secret.previousExpiresAt && <p class="muted small">The previous secret stays valid until {time(outcome.secret.previousExpiresAt)}.</p>}
        </div>
      )}
    </div>
  );
}
