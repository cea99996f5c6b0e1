import { useEffect, useState } from 'preact/hooks';

/** The console's routes live in the URL fragment (`#/subscriptions/ACME`), so the server serves one page. */
export interface Route {
  /** Path segments after `#/`, decoded. */
  segments: string[];
  query: URLSearchParams;
}

function parse(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?');
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parse(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(href: string): void {
  location.hash = href.replace(/^#/, '');
}

export const href = {
  overview: () => '#/',
  subscription: (baseCode: string) => `#/subscriptions/${encodeURIComponent(baseCode)}`,
  events: (query?: { eventId?: string; serviceOrderId?: string }) => {
    const q = new URLSearchParams(query as Record<string, string>).toString();
    return `#/events${q ? `?${q}` : ''}`;
  },
  live: () => '#/live',
  audit: () => '#/audit',
};
