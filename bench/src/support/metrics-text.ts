/** One sample of a metric in the Prometheus text format: its label set as written (`{a="b"}` or ''), and its value. */
export interface MetricSample {
  labels: string;
  value: number;
}

/** The samples of metric `name` in a `/metrics` answer (the apps add a `service` label to every series). */
export function metricSamples(text: string, name: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const labelsEnd = rest[0] === '{' ? rest.indexOf('}') + 1 : 0;
    samples.push({ labels: rest.slice(0, labelsEnd), value: Number(rest.slice(labelsEnd).trim().split(' ')[0]) });
  }
  return samples;
}
