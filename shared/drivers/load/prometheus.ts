import { z } from 'zod';
import type { BurstCluster } from '../../domain/burst-cluster.ts';
import type { LoadReport } from '../../domain/load-report.ts';
import type { DemandReading, LoadDriver } from './load.ts';
import type { PrometheusLoadOptions } from './prometheus-options.ts';

/** What one expression showed over the window: its highest value and how much of the window has data. */
type Reading =
  | { readonly kind: 'data'; readonly max: number; readonly coveredSeconds: number }
  | { readonly kind: 'empty'; readonly why: string }
  | { readonly kind: 'failed'; readonly why: string };

const Point = z.tuple([z.number(), z.string()]);
const Metric = z.record(z.string(), z.string());
const SuccessSchema = z.object({
  status: z.literal('success'),
  data: z.discriminatedUnion('resultType', [
    z.object({
      resultType: z.literal('matrix'),
      result: z.array(z.object({ metric: Metric, values: z.array(Point) })),
    }),
    z.object({
      resultType: z.literal('vector'),
      result: z.array(z.object({ metric: Metric, value: Point })),
    }),
    z.object({ resultType: z.literal('scalar'), result: Point }),
  ]),
});
const ErrorSchema = z.object({
  status: z.literal('error'),
  errorType: z.string().optional(),
  error: z.string(),
});
type Data = z.output<typeof SuccessSchema>['data'];

/**
 * Load from the Prometheus HTTP API: the highest utilisation over the whole scale-down window,
 * overall and (with `perClusterQuery`) per burst. The window counts as covered only when the data
 * reaches back to its start without a gap. Never throws: an unreachable Prometheus, an HTTP or
 * PromQL error, or no data at all is `{ ok: false }`, and scale-down then drains nothing.
 * @example
 * const load = new PrometheusLoad(config.load.options); // parsed when the configuration loaded
 */
export class PrometheusLoad implements LoadDriver {
  readonly name = 'prometheus';
  readonly #options: PrometheusLoadOptions;
  readonly #base: URL;
  /** Where Prometheus is, for messages: never with credentials. */
  readonly #where: string;

  constructor(options: PrometheusLoadOptions) {
    this.#options = options;
    this.#base = new URL(this.#options.url.endsWith('/') ? this.#options.url : `${this.#options.url}/`);
    this.#where = `${this.#base.origin}${this.#base.pathname.replace(/\/$/, '')}`;
  }

  async observe(query: Parameters<LoadDriver['observe']>[0]): Promise<LoadReport> {
    const { clusters, windowSeconds, now } = query;
    // Nothing to judge: asking anyway would turn a monitoring outage into noise.
    if (clusters.length === 0) {
      return { ok: true, windowSeconds, perCluster: {}, why: 'no active cluster: Prometheus not asked' };
    }
    const perClusterQuery = this.#options.perClusterQuery;
    const [overall, ...each] = await Promise.all([
      this.#read(this.#options.query, windowSeconds, now),
      ...(perClusterQuery
        ? clusters.map((c) => this.#read(forCluster(perClusterQuery, c), windowSeconds, now))
        : []),
    ]);
    const failed = [overall!, ...each].find((r) => r.kind === 'failed');
    if (failed?.kind === 'failed') return { ok: false, why: failed.why };
    if (overall!.kind !== 'data') return { ok: false, why: `overall query: ${overall!.why}` };
    const perCluster: Record<string, number> = {};
    const notes: string[] = [];
    each.forEach((reading, i) => {
      const c = clusters[i]!;
      if (reading.kind === 'data' && reading.coveredSeconds >= windowSeconds) {
        perCluster[c.id] = reading.max;
        return;
      }
      // NaN, not a missing key: a missing key would fall back to the overall figure.
      perCluster[c.id] = Number.NaN;
      notes.push(
        `${c.id}: ${reading.kind === 'data' ? `data covers only ${reading.coveredSeconds}s` : reading.why}`,
      );
    });
    const covered = Math.min(windowSeconds, overall.coveredSeconds);
    const span =
      covered >= windowSeconds
        ? `over the whole ${windowSeconds}s window`
        : `but data covers only ${covered}s of the ${windowSeconds}s window`;
    const why = `Prometheus: highest utilisation ${round(overall.max)} ${span} (${this.#options.mode} query, step ${this.#options.stepSeconds}s)`;
    return {
      ok: true,
      windowSeconds: covered,
      overall: overall.max,
      perCluster,
      why: notes.length ? `${why}; no figure for ${notes.join('; ')}` : why,
    };
  }

  /** Highest value of `expr` over the window ending at `now`, and how much of it has data. */
  async #read(expr: string, windowSeconds: number, now: Date): Promise<Reading> {
    const step = this.#options.stepSeconds;
    const window = Math.max(windowSeconds, step);
    const end = now.getTime() / 1000;
    if (this.#options.mode === 'instant') {
      const range = `[${window}s:${step}s]`;
      const time = end.toFixed(3);
      const [max, count] = await Promise.all([
        this.#call('api/v1/query', { query: `max_over_time((max(${expr}))${range})`, time }),
        this.#call('api/v1/query', { query: `count_over_time((max(${expr}))${range})`, time }),
      ]);
      if (!max.ok) return { kind: 'failed', why: max.why };
      if (!count.ok) return { kind: 'failed', why: count.why };
      const highest = firstValue(max.data);
      const points = firstValue(count.data);
      if (highest === undefined || points === undefined) return { kind: 'empty', why: `no data for ${expr}` };
      // Subquery steps are aligned to multiples of the step inside (end - window, end].
      const expected = Math.floor(end / step) - Math.floor((end - window) / step);
      return {
        kind: 'data',
        max: highest,
        coveredSeconds: points >= expected ? windowSeconds : points * step,
      };
    }
    const start = end - window;
    const answer = await this.#call('api/v1/query_range', {
      query: expr,
      start: start.toFixed(3),
      end: end.toFixed(3),
      step: `${step}s`,
    });
    if (!answer.ok) return { kind: 'failed', why: answer.why };
    return coverage(answer.data, start, window, step, windowSeconds, expr);
  }

  /** One API call; every failure becomes a why, never an exception. */
  /** Burst nodes wanted now from `demandQuery`: the largest series, 0 when none; undefined when unset. */
  async demand(now: Date): Promise<DemandReading | undefined> {
    const expr = this.#options.demandQuery;
    if (!expr) return undefined;
    const answer = await this.#call('api/v1/query', { query: expr, time: String(now.getTime() / 1000) });
    if (!answer.ok) return { ok: false, why: `demand query: ${answer.why}` };
    const { data } = answer;
    const values =
      data.resultType === 'vector'
        ? data.result.map((r) => Number(r.value[1]))
        : data.resultType === 'scalar'
          ? [Number(data.result[1])]
          : [];
    const finite = values.filter(Number.isFinite);
    if (finite.length === 0)
      return { ok: true, nodes: 0, why: 'Prometheus demand query: no series, nothing wanted' };
    const nodes = Math.max(0, ...finite);
    return { ok: true, nodes, why: `Prometheus demand query: ${round(nodes)} node(s) wanted` };
  }

  async #call(
    path: string,
    params: Record<string, string>,
  ): Promise<{ ok: true; data: Data } | { ok: false; why: string }> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (this.#options.bearerToken) headers.authorization = `Bearer ${this.#options.bearerToken}`;
    let status: number;
    let text: string;
    try {
      const res = await fetch(new URL(path, this.#base), {
        method: 'POST',
        headers,
        body: new URLSearchParams(params),
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      status = res.status;
      text = await res.text();
    } catch (error) {
      return { ok: false, why: `Prometheus at ${this.#where} unreachable: ${this.#describe(error)}` };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const error = ErrorSchema.safeParse(body);
    if (error.success) {
      const type = error.data.errorType ? `${error.data.errorType}: ` : '';
      return {
        ok: false,
        why: `Prometheus at ${this.#where} answered ${status} (${type}${error.data.error})`,
      };
    }
    if (status < 200 || status > 299) {
      return {
        ok: false,
        why: `Prometheus at ${this.#where} answered HTTP ${status}: ${text.slice(0, 120)}`,
      };
    }
    const parsed = SuccessSchema.safeParse(body);
    if (!parsed.success) {
      return { ok: false, why: `Prometheus at ${this.#where} sent an answer that is not a query result` };
    }
    return { ok: true, data: parsed.data.data };
  }

  #describe(error: unknown): string {
    if (error instanceof Error && error.name === 'TimeoutError')
      return `no answer within ${this.#options.timeoutMs} ms`;
    const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
    const message = error instanceof Error ? error.message : String(error);
    return cause?.code ? `${message} (${cause.code})` : message;
  }
}

/**
 * Reading of a range query: the max of every sample, and the length of the unbroken run of
 * evaluation steps that ends at the last one. A missing step is time nobody saw.
 */
function coverage(
  data: Data,
  start: number,
  window: number,
  step: number,
  wanted: number,
  expr: string,
): Reading {
  if (data.resultType !== 'matrix')
    return { kind: 'failed', why: `expected a matrix for ${expr}, got ${data.resultType}` };
  const seen = new Set<number>();
  let max = Number.NEGATIVE_INFINITY;
  for (const series of data.result) {
    for (const [t, raw] of series.values) {
      const value = Number(raw);
      if (Number.isNaN(value)) continue;
      seen.add(Math.round((t - start) / step));
      max = Math.max(max, value);
    }
  }
  if (seen.size === 0) return { kind: 'empty', why: `no data for ${expr}` };
  const last = Math.floor(window / step + 1e-9);
  if (!seen.has(last)) return { kind: 'empty', why: `no recent data for ${expr} (the series stopped)` };
  let first = last;
  while (first > 0 && seen.has(first - 1)) first--;
  const coveredSeconds = first === 0 ? wanted : (last - first) * step;
  return { kind: 'data', max, coveredSeconds };
}

/** The value of a one-element instant answer, if there is one. */
function firstValue(data: Data): number | undefined {
  if (data.resultType === 'scalar') return Number(data.result[1]);
  if (data.resultType !== 'vector') return undefined;
  const values = data.result.map((s) => Number(s.value[1])).filter((v) => !Number.isNaN(v));
  return values.length ? Math.max(...values) : undefined;
}

/** The per-cluster query for one burst; values are escaped for use inside PromQL strings. */
export function forCluster(template: string, cluster: Pick<BurstCluster, 'id' | 'name'>): string {
  const quote = (s: string) => s.replace(/[\\"'`]/g, (c) => `\\${c}`);
  return template
    .replaceAll('{{burst_id}}', quote(cluster.id))
    .replaceAll('{{cluster}}', quote(cluster.name));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
