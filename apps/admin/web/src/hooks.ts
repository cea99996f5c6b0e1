import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export interface Async<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => Promise<void>;
}

/**
 * Loads `load()` now, again when `deps` change and, with `refreshMs`, every so
 * often while the page is open. Keeps the last data while reloading.
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[], options: { refreshMs?: number } = {}): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const run = useCallback(async () => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await load();
      if (mine === generation.current) setState({ data, loading: false });
    } catch (err) {
      const error = err instanceof ApiError ? err : new ApiError(0, 'client', err instanceof Error ? err.message : String(err), undefined);
      if (mine === generation.current) setState((s) => ({ data: s.data, error, loading: false }));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    setState({ loading: true });
    void run();
    if (!options.refreshMs) return undefined;
    const timer = setInterval(() => void run(), options.refreshMs);
    return () => clearInterval(timer);
  }, [run, options.refreshMs]);
  return { data: state.data, error: state.error, loading: state.loading, reload: run };
}
