import type { Config } from '../config/config-schema.ts';
import type { DataTransfer } from '../domain/place.ts';
import { serviceEligibility } from '../domain/services.ts';

type Locality = NonNullable<DataTransfer['locality']>;

/**
 * The planner's data transfer, from the configuration (the one place it is built; the runtime
 * and `clusterburst simulate` both use it). A burst carries every service the configuration lets
 * burst (burstable, in an allowed namespace), so their egress per node-hour adds up; the data
 * locality is the one whose services send the most (a cluster sits in one place), ties going to
 * the first declared. Undefined when no such service declares either, so placement is by node
 * price alone, as before.
 * @example
 * dataTransferOf(config) // { egressGBPerNodeHour: 5, locality: { provider: 'openstack' } }
 */
export function dataTransferOf(config: Pick<Config, 'services' | 'protection'>): DataTransfer | undefined {
  // Labels are looked up per burst; here only the configuration's own rules apply.
  const carried = config.services.filter(
    (s) =>
      serviceEligibility(s, config.protection, { service: s.name, namespaceLabels: {}, workloadLabels: {} })
        .bursts,
  );
  const declaring = carried.filter(
    (s) => s.egressGBPerNodeHour !== undefined || s.dataLocality !== undefined,
  );
  if (declaring.length === 0) return undefined;
  const egressGBPerNodeHour = declaring.reduce((sum, s) => sum + (s.egressGBPerNodeHour ?? 0), 0);
  const byPlace = new Map<string, { locality: Locality; egress: number }>();
  for (const s of declaring) {
    if (!s.dataLocality) continue;
    const key = `${s.dataLocality.provider ?? ''}/${s.dataLocality.region ?? ''}`;
    const entry = byPlace.get(key) ?? { locality: s.dataLocality, egress: 0 };
    entry.egress += s.egressGBPerNodeHour ?? 0;
    byPlace.set(key, entry);
  }
  // Map order is declaration order and the sort is stable: equal egress keeps the first.
  const heaviest = [...byPlace.values()].sort((a, b) => b.egress - a.egress)[0];
  return {
    egressGBPerNodeHour: Math.round(egressGBPerNodeHour * 10_000) / 10_000,
    ...(heaviest && { locality: tidy(heaviest.locality) }),
  };
}

/** The locality without unset keys (the domain reads `undefined` as "any"). */
function tidy(l: Locality): Locality {
  return {
    ...(l.provider !== undefined && { provider: l.provider }),
    ...(l.region !== undefined && { region: l.region }),
  };
}
