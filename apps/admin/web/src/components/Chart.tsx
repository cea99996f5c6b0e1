import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: Array<number | null>;
  /** Right-hand axis (e.g. milliseconds next to counts). */
  right?: boolean;
  bars?: boolean;
}

/**
 * A time chart (uPlot): `times` in epoch seconds, one or two y axes. Resizes
 * with its container.
 */
export function TimeChart(props: {
  times: number[];
  series: ChartSeries[];
  height?: number;
  leftLabel?: string;
  rightLabel?: string;
  /** The time span shown (epoch seconds), whatever the data covers. */
  xRange?: [number, number];
  testid?: string;
}) {
  const { times, series, height = 200, leftLabel, rightLabel, xRange, testid } = props;
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const hasRight = series.some((s) => s.right);
    const options: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, ...(xRange ? { range: (): [number, number] => xRange } : {}) }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] }, ms: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] } },
      axes: [
        { stroke: '#5b6472', grid: { stroke: '#eef0f3' } },
        { scale: 'y', label: leftLabel, stroke: '#5b6472', grid: { stroke: '#eef0f3' }, size: 50 },
        ...(hasRight ? [{ scale: 'ms', side: 1 as const, label: rightLabel, stroke: '#5b6472', grid: { show: false }, size: 60 }] : []),
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          scale: s.right ? 'ms' : 'y',
          ...(s.bars ? { fill: `${s.color}33`, paths: uPlot.paths.bars!({ size: [0.6, 40] }) } : {}),
          spanGaps: false,
          // Sparse series (minutes without data are gaps) are drawn as points too, or a lone value would not show.
          points: { show: !s.bars && s.values.filter((v) => v !== null).length <= 60, size: 6 },
        })),
      ],
    };
    const chart = new uPlot(options, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(300, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [times, series, height, leftLabel, rightLabel, xRange?.[0], xRange?.[1]]);
  return <div class="chart" ref={box} data-testid={testid} />;
}
