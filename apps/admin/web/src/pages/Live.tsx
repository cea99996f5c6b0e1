import { useMemo } from 'preact/hooks';
import { api, type DeliveryStats } from '../api';
import { duration } from '../format';
import { useAsync } from '../hooks';
import { TimeChart } from '../components/Chart';
import { Card, Loading, Problem, Stat } from '../components/ui';

const MINUTES = 30;

/** Throughput and latency of the last half hour, from the queues (every worker process counted). */
export function Live() {
  const stats = useAsync(() => api.get<DeliveryStats>(`/v1/stats/deliveries?minutes=${MINUTES}`), [], { refreshMs: 5_000 });
  const charts = useMemo(() => {
    const b = stats.data?.buckets ?? [];
    const times = b.map((x) => Math.floor(Date.parse(x.at) / 1000));
    // One minute of room on the right, so the current minute's bar is drawn whole.
    const range: [number, number] | undefined = times.length > 0 ? [times[0]! - 30, times[times.length - 1]! + 60] : undefined;
    return {
      times,
      range,
      throughput: [
        { label: 'delivered / min', color: '#2f9e6e', values: b.map((x) => x.delivered), bars: true },
        { label: 'dead-lettered / min', color: '#d64545', values: b.map((x) => x.deadLettered), bars: true },
      ],
      latency: [
        { label: 'accepted→delivered p50', color: '#3b6fd8', values: b.map((x) => x.p50Ms ?? null) },
        { label: 'accepted→delivered p99', color: '#c77c1e', values: b.map((x) => x.p99Ms ?? null) },
        { label: 'attempt p50', color: '#7a56c2', values: b.map((x) => x.attemptP50Ms ?? null) },
      ],
    };
  }, [stats.data]);
  const t = stats.data?.totals;
  const last = stats.data?.buckets[stats.data.buckets.length - 1];

  return (
    <div class="page" data-testid="live-page">
      <div class="page-head">
        <h1>Live</h1>
        <span class="muted small">last {MINUTES} minutes, every subscription · refreshes every 5 s</span>
      </div>
      {stats.error && <Problem error={stats.error} what="Delivery statistics" />}
      {!stats.data && !stats.error && <Loading />}
      {t && (
        <>
          <div class="stats">
            <Stat label={`delivered (${MINUTES} min)`} value={t.delivered} tone="ok" testid="live-delivered" />
            <Stat label="delivered this minute" value={last?.delivered ?? 0} />
            <Stat label="latency p50 (this minute)" value={duration(last?.p50Ms)} />
            <Stat label="waiting" value={t.waiting} tone={t.waiting > 0 ? 'warn' : undefined} />
            <Stat label="retrying" value={t.delayed} />
            <Stat label="dead letters" value={t.deadLetters} tone={t.deadLetters > 0 ? 'bad' : undefined} />
          </div>
          {stats.data?.sampled && <div class="notice">Busy queues were sampled: counts are lower bounds.</div>}
          <div class="grid two">
            <Card title="Throughput (per minute)">
              <TimeChart times={charts.times} series={charts.throughput} {...(charts.range ? { xRange: charts.range } : {})} leftLabel="events" testid="chart-throughput" />
            </Card>
            <Card title="Latency">
              <TimeChart times={charts.times} series={charts.latency} {...(charts.range ? { xRange: charts.range } : {})} leftLabel="ms" testid="chart-live-latency" />
            </Card>
          </div>
          <p class="muted small">
            For the producer's and workers' counters (events accepted and rejected, attempts by outcome), scrape their <code>/metrics</code> with Prometheus; a Grafana dashboard is in
            infra/grafana/orderbus.json.
          </p>
        </>
      )}
    </div>
  );
}
