/**
 * The actions a capacity plan is made of (DESIGN.md, Capacity follows demand). The planner
 * (pure, in shared/domain) turns wanted-versus-actual into a list of these, each with its why;
 * the runtime carries them out and `clusterburst simulate` replays them on a virtual clock.
 * Order of preference on the way up: cancelDrain, grow, takeWarm, create; on the way down:
 * shrink before drain.
 */
export type CapacityAction =
  /** Bring a Draining cluster back to Active (same burst id). */
  | {
      readonly kind: 'cancelDrain';
      readonly burstId: string;
      /** Set when the cluster now serves another signal than the one that made it. */
      readonly signalKey?: string;
      readonly why: string;
    }
  /** Set an Active cluster's node pool to `nodes` (more than now). */
  | { readonly kind: 'grow'; readonly burstId: string; readonly nodes: number; readonly why: string }
  /** Take a warm standby cluster for this demand and size it to `nodes`. */
  | {
      readonly kind: 'takeWarm';
      readonly burstId: string;
      readonly nodes: number;
      /** The signal the cluster serves from now on. */
      readonly signalKey?: string;
      readonly why: string;
    }
  /** Create a cluster of `nodes` at `provider`. */
  | {
      readonly kind: 'create';
      readonly provider: string;
      readonly region: string;
      readonly nodes: number;
      /** The signal it serves; absent for a warm standby cluster. */
      readonly signalKey?: string;
      /** A warm standby cluster (joined and cordoned, serving nothing until taken). */
      readonly warm?: boolean;
      readonly costPerHour?: number;
      readonly why: string;
    }
  /** Set a cluster's node pool to `nodes` (fewer than now). */
  | { readonly kind: 'shrink'; readonly burstId: string; readonly nodes: number; readonly why: string }
  /** Drain a whole cluster (services home, then teardown). */
  | { readonly kind: 'drain'; readonly burstId: string; readonly why: string };

export type CapacityActionKind = CapacityAction['kind'];
