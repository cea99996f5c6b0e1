// The console's client of the admin API. The admin token is kept in
// sessionStorage (this tab only) and sent as a bearer header: the API never
// reads the session cookie, so a forged cross-site request has nothing it
// accepts.

export type Role = 'viewer' | 'operator' | string;

export interface Session {
  token: string;
  name: string;
  role: Role;
}

const SESSION_KEY = 'orderbus.console.session';

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

/** An error answer of the API (or of the network). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, any> | undefined,
  ) {
    super(message);
  }

  /** The server has no such route: the endpoint is not there (yet). */
  get unavailable(): boolean {
    return this.status === 404 && /^No route /.test(this.message);
  }
}

let onUnauthorized: () => void = () => undefined;

/** Called when the API answers 401 (the token was revoked): the console logs out. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

async function request<T>(method: string, path: string, body?: unknown, token = loadSession()?.token): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError(0, 'network', `The admin API did not answer (${err instanceof Error ? err.message : String(err)}).`, undefined);
  }
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const error = parsed?.error ?? {};
    const failure = new ApiError(res.status, error.code ?? `http_${res.status}`, error.message ?? `HTTP ${res.status}`, parsed);
    if (res.status === 401 && token) onUnauthorized();
    throw failure;
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** Logs in: the server checks the token and sets the cookie that lets the browser open /queues. */
export async function login(token: string): Promise<Session> {
  const who = await request<{ name: string; role: Role }>('POST', '/console/login', { token }, '');
  const session = { token, name: who.name, role: who.role };
  saveSession(session);
  return session;
}

export async function logout(): Promise<void> {
  saveSession(undefined);
  await fetch('/console/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => undefined);
}

export const enc = encodeURIComponent;

/** When an attempt started, whichever name the server uses. */
export function attemptStart(a: { startedAt?: string | number; at?: string | number }): string | number | undefined {
  return a.startedAt ?? a.at;
}

/** Whether an attempt delivered the event. */
export function attemptOk(a: { outcome?: string; resultClass?: string; status?: number }): boolean {
  if (a.outcome !== undefined) return a.outcome === 'delivered';
  return a.resultClass === 'ok' || (a.status !== undefined && a.status >= 200 && a.status < 300);
}

// ---- The shapes of the admin API (see /openapi.json) ----

export interface Subscription {
  baseCode: string;
  systemName?: string;
  callbackUrl: string;
  scope: { dataAreas: '*' | string[]; changeIds: '*' | number[] };
  contact: { name: string; email: string };
  status: 'disabled' | 'enabled' | 'auto-disabled';
  statusChangedBy: string;
  statusReason: string;
  statusChangedAt: string;
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  next?: string;
}

export interface FailedAttempt {
  at?: number | string;
  eventId?: string;
  attemptNumber?: number;
  status?: number;
  resultClass?: string;
  message?: string;
}

export interface Health {
  state: 'healthy' | 'degraded' | 'failing' | 'unknown';
  successRate: number;
  consecutiveFailures: number;
  failingSince?: string;
  lastError?: FailedAttempt | string;
  lastSuccessAt?: string;
  p50Ms?: number;
  p99Ms?: number;
  window?: unknown;
}

export interface HealthBucket {
  at: string;
  successRate: number;
  attempts: number;
  failures: number;
  p50Ms?: number;
  p99Ms?: number;
  state?: string;
}

export interface QueueStats {
  waiting: number;
  active: number;
  delayed: number;
  deadLetters: number;
  completed: number;
  paused: boolean;
  oldestWaitingAgeMs: number;
}

export interface Attempt {
  eventId: string;
  attemptNumber: number;
  /** The contract's name; the attempt history sends `at`: read both (attemptStart). */
  startedAt?: string | number;
  at?: string | number;
  outcome?: string;
  durationMs: number;
  status?: number;
  resultClass: string;
  message: string;
  responseSnippet?: string;
  nextRetryAt?: string | number;
}

export interface DeadLetter {
  eventId: string;
  changeId?: number | string;
  dataArea?: string;
  orderKey?: string;
  failedAt: string | number;
  attempts: number;
  lastError?: string;
  resultClass?: string;
}

export interface EventDeliveries {
  eventId: string;
  event?: { eventId: string; dataArea?: string; changeId?: number | string; acceptedAt?: string; occurredAt?: string; orderKey?: string; data?: Record<string, unknown> };
  deliveries: Array<{ baseCode: string; state: string; attempts: Attempt[] }>;
}

export interface Handshake {
  status?: number;
  resultClass: string;
  message: string;
  durationMs: number;
}

export interface DeliveryStats {
  since: string;
  minutes: number;
  buckets: Array<{ at: string; delivered: number; deadLettered: number; p50Ms?: number; p99Ms?: number; attemptP50Ms?: number }>;
  totals: { delivered: number; deadLettered: number; waiting: number; active: number; delayed: number; deadLetters: number };
  sampled: boolean;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  role: string;
  method: string;
  path: string;
  baseCode?: string;
  status: number;
  errorCode?: string;
  requestId: string;
}
