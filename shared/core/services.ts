import type { ServiceSpec } from '../domain/services.ts';
import { eligibility, type ServiceEligibility, serviceEligibility } from '../domain/services.ts';
import type { Deps } from './deps.ts';

/** Which configured services burst, and why the others do not. */
export interface ServicesVerdict {
  readonly verdicts: readonly ServiceEligibility[];
  /** The only services ever passed to `federation.place`. */
  readonly eligible: readonly ServiceSpec[];
}

/**
 * Customer protection, the one place every path (alarm, manual, reconcile, plan) asks: the
 * configured services that may burst now. The federation is asked for labels only of services
 * that pass the configuration's own rules (burstable, allowed namespaces); without an answer
 * nothing bursts (`labels` failing throws, so a step retries).
 */
export async function servicesThatBurst(deps: Deps): Promise<ServicesVerdict> {
  const { services, protection } = deps.config;
  const candidates = configEligible(deps);
  const labels = candidates.length ? await deps.federation.labels(candidates) : [];
  return eligibility(services, protection, labels);
}

// The configuration is fixed for a process's life: every signal asks, so judge it once.
const CONFIG_ELIGIBLE = new WeakMap<Deps['config'], readonly ServiceSpec[]>();

/** The services the configuration's own rules let burst (burstable, allowed namespace). */
function configEligible(deps: Pick<Deps, 'config'>): readonly ServiceSpec[] {
  const known = CONFIG_ELIGIBLE.get(deps.config);
  if (known) return known;
  const { services, protection } = deps.config;
  const unlabelled = (s: ServiceSpec) => ({ service: s.name, namespaceLabels: {}, workloadLabels: {} });
  const eligible = services.filter((s) => serviceEligibility(s, protection, unlabelled(s)).bursts);
  CONFIG_ELIGIBLE.set(deps.config, eligible);
  return eligible;
}

/**
 * Why no capacity may be bought at all, when the configuration lets no service burst: a cluster
 * would be paid for and then fail its route. Undefined when at least one service may burst (its
 * labels are read at the route, where a restricted label still stops it).
 */
export function nothingMayBurst(deps: Pick<Deps, 'config'>): string | undefined {
  if (configEligible(deps).length) return undefined;
  const { services, protection } = deps.config;
  const { verdicts } = eligibility(services, protection, undefined);
  const reasons = verdicts.map((v) => `${v.service}: ${v.why}`).join('; ');
  return `no service may burst, so no capacity is bought (${reasons || 'none configured'})`;
}
