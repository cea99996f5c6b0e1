import { useState } from 'preact/hooks';
import { api, enc, type AuditEntry, type Page } from '../api';
import { time } from '../format';
import { useAsync } from '../hooks';
import { href } from '../router';
import { Card, Empty, Loading, Problem } from '../components/ui';

export function Audit() {
  const first = useAsync(() => api.get<Page<AuditEntry>>('/v1/audit?limit=50'), [], { refreshMs: 15_000 });
  const [more, setMore] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const cursor = more.length > 0 ? next : first.data?.next;

  const loadMore = async () => {
    if (!cursor) return;
    const page = await api.get<Page<AuditEntry>>(`/v1/audit?limit=50&after=${enc(cursor)}`);
    setMore([...more, ...page.items]);
    setNext(page.next);
  };
  const items = [...(first.data?.items ?? []), ...more];

  return (
    <div class="page">
      <div class="page-head">
        <h1>Audit log</h1>
        <span class="muted small">every acting call of the admin API, newest first</span>
      </div>
      <Card>
        {first.error && <Problem error={first.error} what="The audit log" />}
        {!first.data && !first.error && <Loading />}
        {first.data && items.length === 0 && <Empty>Nothing recorded yet.</Empty>}
        {items.length > 0 && (
          <table class="table compact" data-testid="audit">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                <th>Subscription</th>
                <th class="num">Outcome</th>
                <th>Request id</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id} class={e.status >= 400 ? 'failed' : ''}>
                  <td>{time(e.at)}</td>
                  <td>
                    {e.actor} <span class="muted small">{e.role}</span>
                  </td>
                  <td>
                    <code>
                      {e.method} {e.path}
                    </code>
                  </td>
                  <td>{e.baseCode ? <a href={href.subscription(e.baseCode)}>{e.baseCode}</a> : '—'}</td>
                  <td class="num">
                    <span class={`badge ${e.status < 400 ? 'ok' : 'bad'}`}>{e.status}</span> {e.errorCode && <code>{e.errorCode}</code>}
                  </td>
                  <td>
                    <code class="small">{e.requestId}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {cursor && (
          <button class="btn plain" type="button" onClick={() => void loadMore()}>
            Older entries
          </button>
        )}
      </Card>
    </div>
  );
}
