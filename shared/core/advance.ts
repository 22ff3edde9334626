import type { Phase } from '../domain/lifecycle.ts';
import type { LifecycleEventType } from '../schemas/lifecycle-event.ts';
import type { Deps } from './deps.ts';
import type { StepResult } from './step-result.ts';
import { awaitDrain } from './steps/await-drain.ts';
import { checkActive } from './steps/check-active.ts';
import { checkProvisioning } from './steps/check-provisioning.ts';
import { deleteCluster } from './steps/delete-cluster.ts';
import { drain } from './steps/drain.ts';
import { federate } from './steps/federate.ts';
import { finalize } from './steps/finalize.ts';
import { provision } from './steps/provision.ts';
import { route } from './steps/route.ts';

/** A lifecycle step: loads the burst, acts if it is in the right phase, writes the next one. */
export type Step = (deps: Deps, id: string) => Promise<StepResult>;

/** The step that moves a burst out of each phase (level-triggered: health and reconcile). */
export const STEP_FOR_PHASE: Readonly<Partial<Record<Phase, Step>>> = {
  Requested: provision,
  Provisioning: checkProvisioning,
  Ready: federate,
  Joined: route,
  Active: checkActive,
  Draining: awaitDrain,
  Leaving: deleteCluster,
  Deleting: finalize,
};

/** The step each lifecycle event triggers (edge-triggered: the bus). */
export const STEP_FOR_EVENT: Readonly<Partial<Record<LifecycleEventType, Step>>> = {
  BurstRequested: provision,
  ClusterProvisioning: checkProvisioning,
  ClusterReady: federate,
  ClusterJoined: route,
  TeardownRequested: drain,
  DrainStarted: awaitDrain,
  ClusterLeaving: deleteCluster,
  ClusterDeleting: finalize,
};

/** Run the step for the burst's current phase, if it has one. */
export async function advance(deps: Deps, id: string, phase: Phase): Promise<StepResult | undefined> {
  const step = STEP_FOR_PHASE[phase];
  return step ? timed(deps, step, id) : undefined;
}

/** Run a step, timing it and counting failures. */
export async function timed(deps: Deps, step: Step, id: string): Promise<StepResult> {
  const end = deps.metrics.stepSeconds.startTimer({ step: step.name });
  try {
    return await step(deps, id);
  } catch (error) {
    deps.metrics.stepErrors.inc({ step: step.name });
    throw error;
  } finally {
    end();
  }
}
