/**
 * Plots of a simulation as Vega-Lite specs, rendered to SVG in Node by Vega (no browser, no
 * canvas) and to PNG by resvg. One figure per run (load and capacities over time, unserved
 * periods shaded) and one per sweep (cost against unserved minutes, one point per value).
 */
import { Resvg } from '@resvg/resvg-js';
import { logger, None, parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Figures, Sample } from './simulate.ts';

/** The names of the series, as the legend shows them. */
export const SERIES = {
  load: 'load',
  home: 'home capacity',
  serving: 'burst capacity serving',
  bought: 'capacity bought',
  unserved: 'unserved',
} as const;

const COLORS = ['#1f2937', '#6b7280', '#16a34a', '#2563eb', '#ef4444'];
/** Most points per series drawn: beyond that, steps are merged (peaks kept). */
const MAX_POINTS = 1500;

/** What a run's plot shows. */
export interface RunPlot {
  readonly title: string;
  readonly samples: readonly Sample[];
  readonly homeCapacity: number;
  readonly startsAt?: Date;
}

/** The Vega-Lite spec of a run: load and capacities over time, unserved periods shaded. */
export function runSpec(plot: RunPlot): TopLevelSpec {
  const { samples } = plot;
  const size = Math.max(1, Math.ceil(samples.length / MAX_POINTS));
  const x = (t: number) =>
    plot.startsAt
      ? new Date(plot.startsAt.getTime() + t * 1000).toISOString()
      : Math.round((t / 3600) * 1000) / 1000;
  const points: { x: string | number; value: number; series: string }[] = [];
  const shaded: { x: string | number; x2: string | number; series: string }[] = [];
  let from: number | undefined;
  const step = samples.length > 1 ? samples[1]!.t - samples[0]!.t : 60;
  for (let i = 0; i < samples.length; i += size) {
    const bucket = samples.slice(i, i + size);
    const at = x(bucket[0]!.t);
    // Peaks of load and of what was bought, the trough of what served: a merged bucket hides no shortfall.
    points.push(
      { x: at, value: Math.max(...bucket.map((s) => s.load)), series: SERIES.load },
      { x: at, value: plot.homeCapacity, series: SERIES.home },
      { x: at, value: Math.min(...bucket.map((s) => s.serving)), series: SERIES.serving },
      { x: at, value: Math.max(...bucket.map((s) => s.bought)), series: SERIES.bought },
    );
  }
  samples.forEach((s, i) => {
    if (s.unserved && from === undefined) from = s.t;
    const last = i === samples.length - 1;
    if (from !== undefined && (!s.unserved || last)) {
      shaded.push({ x: x(from), x2: x(s.unserved ? s.t + step : s.t), series: SERIES.unserved });
      from = undefined;
    }
  });
  const xType = plot.startsAt ? 'temporal' : 'quantitative';
  const xTitle = plot.startsAt ? 'time (UTC)' : 'hours from the start of the trace';
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: Object.values(SERIES), range: COLORS },
    legend: { orient: 'top', direction: 'horizontal', labelLimit: 0 },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: plot.title, subtitle: 'burst capacities are drawn on top of home capacity' },
    width: 900,
    height: 320,
    layer: [
      {
        data: { values: shaded },
        mark: { type: 'rect', opacity: 0.25 },
        encoding: { x: { field: 'x', type: xType, title: xTitle }, x2: { field: 'x2' }, color },
      },
      {
        data: { values: points },
        mark: { type: 'line', strokeWidth: 1.2, interpolate: 'step-after' },
        encoding: {
          x: { field: 'x', type: xType, title: xTitle },
          y: { field: 'value', type: 'quantitative', title: 'load (trace unit)' },
          color,
          // What was bought dashed, so what serves stays visible where the two coincide.
          strokeDash: {
            field: 'series',
            type: 'nominal',
            scale: {
              domain: Object.values(SERIES).slice(0, 4),
              range: [
                [1, 0],
                [1, 0],
                [1, 0],
                [4, 3],
              ],
            },
            legend: null,
          },
        },
      },
    ],
  };
}

/** One run of a sweep. */
export interface SweepPoint {
  readonly value: string;
  readonly figures: Figures;
}

/** The Vega-Lite spec of a sweep: cost against unserved minutes, one labelled point per value. */
export function sweepSpec(title: string, key: string, runs: readonly SweepPoint[]): TopLevelSpec {
  const values = runs.map((r) => ({
    value: `${key}=${r.value}`,
    cost: r.figures.cost,
    unservedMinutes: r.figures.unservedMinutes,
  }));
  const encoding = {
    x: { field: 'unservedMinutes', type: 'quantitative', title: 'unserved minutes' },
    y: { field: 'cost', type: 'quantitative', title: 'cost', scale: { zero: false } },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: `cost against unserved minutes, one point per ${key}` },
    width: 600,
    height: 360,
    data: { values },
    layer: [
      { mark: { type: 'point', filled: true, size: 80 }, encoding },
      { mark: { type: 'text', align: 'left', dx: 8 }, encoding: { ...encoding, text: { field: 'value' } } },
    ],
  };
}

/** Render a spec to SVG text. */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  // Vega-Lite warns on the console about merging the two legends, which is what is meant here.
  const view = new View(parse(compile(spec, { logger: logger(None) }).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Render SVG text to PNG bytes (twice the SVG's size, for sharp text). */
export function toPng(svg: string): Buffer {
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, background: 'white' }).render().asPng();
}
