/** provision: Requested -> Provisioning: ask the provider for the cluster (idempotent by name). */
import { provision as step } from '../shared/core/steps/provision.ts';
import { eventFunction } from '../shared/runtime/event-function.ts';

/** The provision function, triggered by BurstRequested. */
export const provision = eventFunction('provision', ['BurstRequested'], step);
