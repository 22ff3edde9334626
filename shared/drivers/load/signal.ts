import type { LoadReport } from '../../domain/load-report.ts';
import type { LoadDriver } from './load.ts';

/**
 * The embedded load driver: a burst's load is its triggering signal. Utilisation is 1 while
 * the signal fires or resolved less than a window ago, 0 once it has stayed resolved for the
 * whole window. Manual bursts have no signal and report nothing (their TTL governs them).
 */
export class SignalLoad implements LoadDriver {
  readonly name = 'signal';

  async observe(query: Parameters<LoadDriver['observe']>[0]): Promise<LoadReport> {
    const perCluster: Record<string, number> = {};
    const windowMs = query.windowSeconds * 1000;
    for (const c of query.clusters) {
      if (c.reason.source === 'manual') continue;
      const resolved = c.signalResolvedAt ? Date.parse(c.signalResolvedAt) : undefined;
      perCluster[c.id] = resolved !== undefined && query.now.getTime() - resolved >= windowMs ? 0 : 1;
    }
    return {
      ok: true,
      windowSeconds: query.windowSeconds,
      perCluster,
      why: 'load from signal state (1 while firing or resolved within the window)',
    };
  }
}
