import type { DataTransfer, ProviderOffer } from '../domain/place.ts';
import type { Policy } from '../domain/policy.ts';
import type { Deps } from './deps.ts';

/** What every plan and placement is made against: the policy, the offers, the data transfer. */
export interface PlanContext {
  readonly policy: Policy;
  readonly offers: readonly ProviderOffer[];
  readonly transfer?: DataTransfer;
}

/**
 * The deps' planning context, so no caller of planCapacity or decideBurst can forget the
 * services' data transfer (GET /plan, a signal, the scale-down pass and a quota fallback all place
 * alike).
 */
export function planContext(deps: Pick<Deps, 'policy' | 'offers' | 'transfer'>): PlanContext {
  return { policy: deps.policy, offers: deps.offers, ...(deps.transfer && { transfer: deps.transfer }) };
}
