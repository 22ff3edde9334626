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
  const candidates = services.filter(
    (s) =>
      serviceEligibility(s, protection, { service: s.name, namespaceLabels: {}, workloadLabels: {} }).bursts,
  );
  const labels = candidates.length ? await deps.federation.labels(candidates) : [];
  return eligibility(services, protection, labels);
}
