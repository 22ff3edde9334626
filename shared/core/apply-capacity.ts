import type { BurstCluster } from '../domain/burst-cluster.ts';
import type { CapacityAction } from '../domain/capacity-plan.ts';
import type { CapacitySignal } from '../domain/capacity-signal.ts';
import type { SignalState } from '../domain/wanted-capacity.ts';
import { admitPlanned, planFor, WARM_SIGNAL } from './admit-planned.ts';
import type { Deps } from './deps.ts';
import type { StepResult } from './step-result.ts';
import { cancelDrain } from './steps/cancel-drain.ts';
import { drain } from './steps/drain.ts';
import { resizeBurst } from './steps/resize-burst.ts';
import { takeWarm } from './steps/take-warm.ts';

/** One planned action and what carrying it out did. */
export interface AppliedAction {
  readonly action: CapacityAction;
  /** The burst it changed or created, when it did. */
  readonly burstId?: string;
  readonly outcome: 'done' | 'skipped';
  readonly why: string;
}

/** What the executor needs besides the actions. */
export interface ApplyContext {
  /** Live records the plan was made from (a create for a signal takes its reason from them). */
  readonly records: readonly BurstCluster[];
  /** The signal being handled, whose creates carry its episode and hints. */
  readonly signal?: CapacitySignal;
  /** Signals to plan with beyond what the records remember (the one being handled). */
  readonly extra?: readonly SignalState[];
}

/**
 * Carry out a capacity plan, in its order: cancelled drains, grows and taken warm clusters
 * through their steps (each idempotent and crash-safe), creates through the store's admission
 * (which plans again under its lock), shrinks through the resize step and drains through the
 * teardown entry. One failing action does not stop the others; it is logged and the next plan,
 * made from the store, tries again.
 */
export async function applyCapacity(
  deps: Deps,
  actions: readonly CapacityAction[],
  context: ApplyContext,
): Promise<AppliedAction[]> {
  const applied: AppliedAction[] = [];
  for (const action of actions) {
    try {
      applied.push(await applyOne(deps, action, context));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      deps.logger.warn(`capacity action ${action.kind} failed, the next plan retries: ${why}`);
      applied.push({ action, outcome: 'skipped', why });
    }
  }
  return applied;
}

async function applyOne(deps: Deps, action: CapacityAction, context: ApplyContext): Promise<AppliedAction> {
  const demandOf = (key: string | undefined) => context.extra?.find((s) => s.signalKey === key)?.demand;
  switch (action.kind) {
    case 'cancelDrain':
      return fromStep(
        action,
        await cancelDrain(deps, action.burstId, action.why, {
          ...(action.signalKey !== undefined && { signalKey: action.signalKey }),
          ...(demandOf(action.signalKey ?? context.signal?.signalKey) !== undefined && {
            demand: demandOf(action.signalKey ?? context.signal?.signalKey),
          }),
        }),
      );
    case 'grow':
    case 'shrink':
      return fromStep(action, await resizeBurst(deps, action.burstId, action.nodes, action.why));
    case 'takeWarm':
      return fromStep(
        action,
        await takeWarm(deps, action.burstId, action.nodes, action.why, {
          signalKey: action.signalKey ?? context.signal?.signalKey ?? '',
          ...(demandOf(action.signalKey) !== undefined && { demand: demandOf(action.signalKey) }),
        }),
      );
    case 'drain':
      return fromStep(action, await drain(deps, action.burstId, action.why));
    case 'create': {
      const signal = action.warm ? WARM_SIGNAL : signalFor(action.signalKey, context);
      if (!signal) return { action, outcome: 'skipped', why: `no signal ${action.signalKey} to create for` };
      const admitted = await admitPlanned(deps, signal, { warm: action.warm, extra: context.extra });
      return admitted.admitted
        ? { action, burstId: admitted.record.id, outcome: 'done', why: admitted.record.history[0]!.why }
        : { action, outcome: 'skipped', why: admitted.why };
    }
  }
}

/** The signal a create is for: the one being handled, else one rebuilt from a record of it. */
function signalFor(key: string | undefined, context: ApplyContext): CapacitySignal | undefined {
  if (key === undefined) return undefined;
  if (context.signal?.signalKey === key) return context.signal;
  const record = context.records.find((r) => (r.servesSignal ?? r.reason.signalKey) === key && !r.warm);
  if (!record) return undefined;
  return {
    source: record.reason.source,
    status: 'firing',
    signalKey: key,
    dedupeKey: record.reason.dedupeKey,
    labels: {},
    summary: record.reason.summary,
    at: record.createdAt,
  };
}

function fromStep(action: CapacityAction, result: StepResult): AppliedAction {
  return {
    action,
    burstId: result.burstId,
    outcome: result.outcome === 'noop' ? 'skipped' : 'done',
    why: result.why,
  };
}

/**
 * Keep `policy.warmClusters` warm standby clusters (reconcile's part): create what the plan says
 * is missing, a failed or taken one included. Warm clusters are admitted like any other, so max
 * clusters and the budget bound them, after demand.
 */
export async function keepWarm(deps: Deps): Promise<AppliedAction[]> {
  if (deps.policy.warmClusters === 0) return [];
  const records = await deps.store.list({ live: true });
  const { actions } = planFor(deps, records);
  return applyCapacity(
    deps,
    actions.filter((a) => a.kind === 'create' && a.warm),
    { records },
  );
}
