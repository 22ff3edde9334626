import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Name of the gauge the exporter serves unless told otherwise. */
export const UTILISATION_METRIC = 'clusterburst_test_utilisation';

/** A Prometheus scrape target whose utilisation gauge the test sets. */
export interface UtilisationExporter {
  /** `127.0.0.1:PORT`, for a scrape config's `static_configs.targets`. */
  readonly target: string;
  readonly url: string;
  /** Set the gauge (0..1) for one label set; no labels means the unlabelled series. */
  set(value: number, labels?: Readonly<Record<string, string>>): void;
  /** Stop serving a label set: Prometheus marks the series stale at its next scrape. */
  unset(labels?: Readonly<Record<string, string>>): void;
  /** Scrapes served so far. */
  readonly scrapes: number;
  stop(): Promise<void>;
}

/** Options of `startUtilisationExporter`. */
export interface UtilisationExporterOptions {
  /** @default UTILISATION_METRIC */
  readonly metric?: string;
  /** Value of the unlabelled series at start; none when undefined. */
  readonly initial?: number;
}

/**
 * A tiny `/metrics` exporter on a free loopback port, in the Prometheus text format, so a real
 * Prometheus scrapes a utilisation the test controls.
 * @example
 * const exporter = await startUtilisationExporter({ initial: 0.9 });
 * exporter.set(0.1);
 */
export async function startUtilisationExporter(
  options: UtilisationExporterOptions = {},
): Promise<UtilisationExporter> {
  const metric = options.metric ?? UTILISATION_METRIC;
  const series = new Map<string, number>();
  if (options.initial !== undefined) series.set('', options.initial);
  let scrapes = 0;
  const server = createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapes++;
    const lines = [`# HELP ${metric} Utilisation set by the test.`, `# TYPE ${metric} gauge`];
    for (const [labels, value] of series) lines.push(`${metric}${labels} ${value}`);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/metrics`,
    set(value, labels = {}) {
      series.set(labelText(labels), value);
    },
    unset(labels = {}) {
      series.delete(labelText(labels));
    },
    get scrapes() {
      return scrapes;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `{a="1",b="2"}` with values escaped as the text format wants; empty for no labels. */
function labelText(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}
