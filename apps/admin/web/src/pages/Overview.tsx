import { useMemo, useState } from 'preact/hooks';
import { api, ApiError, enc, type Health, type Page, type QueueStats, type Subscription } from '../api';
import { ago, percent } from '../format';
import { useAsync } from '../hooks';
import { href } from '../router';
import { Card, Empty, HealthBadge, Loading, Problem, Stat, StatusBadge } from '../components/ui';

interface Row {
  subscription: Subscription;
  health?: Health;
  healthError?: ApiError;
  queue?: QueueStats;
}

/** Every subscription, following `next` (500 a page). */
async function allSubscriptions(query: string): Promise<Subscription[]> {
  const all: Subscription[] = [];
  let after: string | undefined;
  for (let page = 0; page < 100; page++) {
    const res = await api.get<Page<Subscription>>(`/v1/subscriptions?limit=500${query}${after ? `&after=${enc(after)}` : ''}`);
    all.push(...res.items);
    if (!res.next) break;
    after = res.next;
  }
  return all;
}

async function loadRows(filters: { status: string; health: string; dataArea: string }): Promise<{ rows: Row[]; healthUnavailable: boolean }> {
  const query = ['status', 'health', 'dataArea']
    .filter((k) => filters[k as keyof typeof filters])
    .map((k) => `&${k}=${enc(filters[k as keyof typeof filters])}`)
    .join('');
  const subscriptions = await allSubscriptions(query);
  let healthUnavailable = false;
  const rows = await Promise.all(
    subscriptions.map(async (subscription): Promise<Row> => {
      const base = `/v1/subscriptions/${enc(subscription.baseCode)}`;
      const [health, queue] = await Promise.all([
        api.get<Health>(`${base}/health`).catch((err: ApiError) => err),
        api.get<QueueStats>(`${base}/queue`).catch(() => undefined),
      ]);
      if (health instanceof ApiError) {
        if (health.unavailable) healthUnavailable = true;
        return { subscription, healthError: health, ...(queue ? { queue } : {}) };
      }
      return { subscription, health, ...(queue ? { queue } : {}) };
    }),
  );
  return { rows, healthUnavailable };
}

/** Problems first: auto-disabled, failing, degraded; then by baseCode. */
function rank(row: Row): number {
  if (row.subscription.status === 'auto-disabled') return 0;
  if (row.health?.state === 'failing') return 1;
  if (row.health?.state === 'degraded') return 2;
  if ((row.queue?.deadLetters ?? 0) > 0) return 3;
  return 4;
}

function lastErrorText(health: Health | undefined): { message: string; at?: string | number } | undefined {
  const e = health?.lastError;
  if (!e) return undefined;
  if (typeof e === 'string') return { message: e };
  const status = e.status ? `HTTP ${e.status} ` : '';
  return { message: `${status}${e.message ?? e.resultClass ?? 'error'}`, ...(e.at !== undefined ? { at: e.at } : {}) };
}

export function Overview() {
  const [filters, setFilters] = useState({ status: '', health: '', dataArea: '' });
  const [search, setSearch] = useState('');
  const result = useAsync(() => loadRows(filters), [filters.status, filters.health, filters.dataArea], { refreshMs: 10_000 });

  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (result.data?.rows ?? [])
      .filter((r) => !needle || r.subscription.baseCode.toLowerCase().includes(needle) || (r.subscription.systemName ?? '').toLowerCase().includes(needle))
      .sort((a, b) => rank(a) - rank(b) || a.subscription.baseCode.localeCompare(b.subscription.baseCode));
  }, [result.data, search]);

  const all = result.data?.rows ?? [];
  const count = (f: (r: Row) => boolean) => all.filter(f).length;
  const backlog = all.reduce((n, r) => n + (r.queue ? r.queue.waiting + r.queue.delayed : 0), 0);
  const deadLetters = all.reduce((n, r) => n + (r.queue?.deadLetters ?? 0), 0);
  const set = (key: keyof typeof filters) => (e: Event) => setFilters({ ...filters, [key]: (e.target as HTMLInputElement).value });

  return (
    <div class="page">
      <div class="page-head">
        <h1>Subscriptions</h1>
        <span class="muted small">{result.loading ? 'refreshing…' : 'refreshes every 10 s'}</span>
      </div>
      <div class="stats">
        <Stat label="enabled" value={count((r) => r.subscription.status === 'enabled')} tone="ok" />
        <Stat label="auto-disabled" value={count((r) => r.subscription.status === 'auto-disabled')} tone={count((r) => r.subscription.status === 'auto-disabled') ? 'bad' : undefined} testid="stat-auto-disabled" />
        <Stat label="failing" value={count((r) => r.health?.state === 'failing')} tone={count((r) => r.health?.state === 'failing') ? 'bad' : undefined} testid="stat-failing" />
        <Stat label="disabled" value={count((r) => r.subscription.status === 'disabled')} />
        <Stat label="backlog (waiting + retrying)" value={backlog} tone={backlog > 0 ? 'warn' : undefined} />
        <Stat label="dead letters" value={deadLetters} tone={deadLetters > 0 ? 'bad' : undefined} />
      </div>
      <Card>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            Status
            <select value={filters.status} onChange={set('status')} data-testid="filter-status">
              <option value="">any</option>
              <option value="enabled">enabled</option>
              <option value="auto-disabled">auto-disabled</option>
              <option value="disabled">disabled</option>
            </select>
          </label>
          <label>
            Health
            <select value={filters.health} onChange={set('health')} data-testid="filter-health">
              <option value="">any</option>
              <option value="failing">failing</option>
              <option value="degraded">degraded</option>
              <option value="healthy">healthy</option>
              <option value="unknown">unknown</option>
            </select>
          </label>
          <label>
            Data area
            <input value={filters.dataArea} placeholder="e.g. fwwt" onChange={set('dataArea')} data-testid="filter-data-area" />
          </label>
          <label class="grow">
            Search
            <input value={search} placeholder="baseCode or system name" onInput={(e) => setSearch((e.target as HTMLInputElement).value)} data-testid="filter-search" />
          </label>
        </form>
        {result.error && <Problem error={result.error} what="The subscription list" />}
        {result.data?.healthUnavailable && <div class="notice">Health is not available on this server yet: the health column shows n/a.</div>}
        {!result.data && result.loading && <Loading />}
        {result.data && rows.length === 0 && <Empty>No subscription matches.</Empty>}
        {rows.length > 0 && (
          <table class="table" data-testid="subscriptions">
            <thead>
              <tr>
                <th>Subscription</th>
                <th>Status</th>
                <th>Health</th>
                <th class="num">Success</th>
                <th class="num">Backlog</th>
                <th class="num">Dead letters</th>
                <th>Last error</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const s = row.subscription;
                const lastError = lastErrorText(row.health);
                const alarming = s.status === 'auto-disabled' || row.health?.state === 'failing';
                return (
                  <tr key={s.baseCode} class={alarming ? 'alarm' : row.health?.state === 'degraded' ? 'warning' : ''} data-testid={`row-${s.baseCode}`}>
                    <td>
                      <a href={href.subscription(s.baseCode)} class="strong">
                        {s.baseCode}
                      </a>
                      {s.systemName && <div class="muted small">{s.systemName}</div>}
                    </td>
                    <td>
                      <StatusBadge status={s.status} />
                      {row.queue?.paused && <span class="badge warn">paused</span>}
                    </td>
                    <td>
                      <HealthBadge state={row.health?.state} />
                    </td>
                    <td class="num">{row.health ? percent(row.health.successRate) : '—'}</td>
                    <td class="num" title={row.queue ? `${row.queue.waiting} waiting, ${row.queue.delayed} retrying, ${row.queue.active} in flight` : ''}>
                      {row.queue ? row.queue.waiting + row.queue.delayed : '—'}
                    </td>
                    <td class={`num ${row.queue?.deadLetters ? 'bad-text' : ''}`}>{row.queue ? row.queue.deadLetters : '—'}</td>
                    <td class="last-error" data-testid="last-error">
                      {lastError ? (
                        <>
                          <span class="bad-text">{lastError.message}</span>
                          {lastError.at !== undefined && <div class="muted small">{ago(lastError.at)}</div>}
                        </>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
