import { useState } from 'preact/hooks';
import { api, ApiError, attemptOk, attemptStart, enc, type Attempt, type EventDeliveries } from '../api';
import { duration, time, toDate } from '../format';
import { useAsync } from '../hooks';
import { href, navigate, type Route } from '../router';
import { Card, Empty, Loading, Problem } from '../components/ui';
import { AttemptTable } from './Subscription';

type Search = { eventId: string } | { serviceOrderId: string } | undefined;

function searchOf(route: Route): Search {
  const eventId = route.query.get('eventId');
  if (eventId) return { eventId };
  const serviceOrderId = route.query.get('serviceOrderId');
  if (serviceOrderId) return { serviceOrderId };
  return undefined;
}

async function find(search: Search): Promise<EventDeliveries[] | undefined> {
  if (!search) return undefined;
  if ('eventId' in search) {
    try {
      return [await api.get<EventDeliveries>(`/v1/events/${enc(search.eventId)}`)];
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && !err.unavailable) return [];
      throw err;
    }
  }
  const res = await api.get<{ items: EventDeliveries[] }>(`/v1/events?serviceOrderId=${enc(search.serviceOrderId)}`);
  return res.items;
}

export function Events({ route }: { route: Route }) {
  const search = searchOf(route);
  const [mode, setMode] = useState<'serviceOrderId' | 'eventId'>(search && 'eventId' in search ? 'eventId' : 'serviceOrderId');
  const [text, setText] = useState(search ? ('eventId' in search ? search.eventId : search.serviceOrderId) : '');
  const key = search ? JSON.stringify(search) : '';
  const result = useAsync(() => find(search), [key]);

  const submit = (e: Event) => {
    e.preventDefault();
    const value = text.trim();
    if (value) navigate(href.events(mode === 'eventId' ? { eventId: value } : { serviceOrderId: value }));
  };

  return (
    <div class="page">
      <div class="page-head">
        <h1>Event search</h1>
      </div>
      <Card>
        <form class="filters" onSubmit={submit} data-testid="event-search">
          <label>
            Search by
            <select value={mode} onChange={(e) => setMode((e.target as HTMLSelectElement).value as typeof mode)} data-testid="search-mode">
              <option value="serviceOrderId">work order (serviceOrderId)</option>
              <option value="eventId">event id</option>
            </select>
          </label>
          <label class="grow">
            {mode === 'eventId' ? 'Event id' : 'Work order id'}
            <input value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} placeholder={mode === 'eventId' ? 'evt-…' : 'serviceOrderId'} data-testid="search-text" />
          </label>
          <button class="btn primary" type="submit" disabled={!text.trim()}>
            Search
          </button>
        </form>
      </Card>
      {!search && <Empty>Find an event by its id, or every event of a work order, and follow each delivery attempt by attempt.</Empty>}
      {search && result.error && <Problem error={result.error} what={'eventId' in search ? 'Event lookup' : 'Search by work order'} />}
      {search && !result.data && !result.error && <Loading />}
      {search && result.data?.length === 0 && <Empty>No event found.</Empty>}
      {result.data?.map((event) => <EventTimeline key={event.eventId} event={event} />)}
    </div>
  );
}

function EventTimeline({ event }: { event: EventDeliveries }) {
  const e = event.event;
  const accepted = toDate(e?.acceptedAt)?.getTime();
  const all = event.deliveries.flatMap((d) => d.attempts.map((a) => toDate(attemptStart(a))?.getTime() ?? 0)).filter(Boolean);
  const start = Math.min(accepted ?? Infinity, ...all);
  const end = Math.max(start + 1, ...all.map((t, i) => t + (event.deliveries.flatMap((d) => d.attempts)[i]?.durationMs ?? 0)));
  const position = (a: Attempt) => {
    const t = toDate(attemptStart(a))?.getTime() ?? start;
    return `${Math.min(100, Math.max(0, ((t - start) / (end - start)) * 100))}%`;
  };
  return (
    <Card testid={`event-${event.eventId}`}>
      <header class="event-head">
        <h2>
          <code>{event.eventId}</code>
        </h2>
        {e && (
          <span class="muted">
            changeId {String(e.changeId ?? '?')} · {e.dataArea ?? '?'} · accepted {time(e.acceptedAt)}
            {e.orderKey && (
              <>
                {' '}
                · work order <a href={href.events({ serviceOrderId: e.orderKey })}>{e.orderKey}</a>
              </>
            )}
          </span>
        )}
      </header>
      {event.deliveries.length === 0 && <Empty>Not queued for any subscription.</Empty>}
      {event.deliveries.map((d) => (
        <div class="delivery" key={d.baseCode} data-testid={`delivery-${d.baseCode}`}>
          <div class="delivery-head">
            <a class="strong" href={href.subscription(d.baseCode)}>
              {d.baseCode}
            </a>
            <span class={`badge ${/deliver|complet/.test(d.state) ? 'ok' : /dead|fail/.test(d.state) ? 'bad' : 'warn'}`} data-testid="delivery-state">
              {d.state}
            </span>
            <span class="muted small">
              {d.attempts.length} attempt{d.attempts.length === 1 ? '' : 's'}
              {accepted !== undefined && d.attempts.length > 0 && ` · first ${duration((toDate(attemptStart(d.attempts[0]!))?.getTime() ?? accepted) - accepted)} after acceptance`}
            </span>
          </div>
          {d.attempts.length > 0 && (
            <div class="track" aria-hidden="true">
              {d.attempts.map((a) => {
                const ok = attemptOk(a);
                return <span key={a.attemptNumber} class={`dot ${ok ? 'ok' : 'bad'}`} style={{ left: position(a) }} title={`#${a.attemptNumber} ${time(attemptStart(a))} ${a.status ?? ''} ${a.message}`} />;
              })}
            </div>
          )}
          <AttemptTable attempts={d.attempts} />
        </div>
      ))}
    </Card>
  );
}
