/** Every phase a burst cluster passes through, in lifecycle order. */
export const PHASES = [
  'Requested',
  'Provisioning',
  'Ready',
  'Joined',
  'Active',
  'Draining',
  'Leaving',
  'Deleting',
  'Deleted',
  'Failed',
] as const;

/** A lifecycle phase of a burst cluster. */
export type Phase = (typeof PHASES)[number];

/**
 * The transition table, as data. Teardown can start from any phase: a cluster that never
 * joined skips Draining and Leaving. `Failed` is reached from `Deleting` once cleanup is done
 * (the normal way), or directly when there was nothing to clean up. A drain is cancelled by
 * Draining -> Joined (uncordoned; the route step re-enables traffic after a passing health check).
 */
export const TRANSITIONS: Readonly<Record<Phase, readonly Phase[]>> = {
  Requested: ['Provisioning', 'Deleting', 'Failed'],
  Provisioning: ['Ready', 'Deleting', 'Failed'],
  Ready: ['Joined', 'Deleting', 'Failed'],
  Joined: ['Active', 'Leaving', 'Failed'],
  Active: ['Draining', 'Failed'],
  // Back to Joined when demand returns: the route step health-checks and routes it again.
  Draining: ['Leaving', 'Joined', 'Failed'],
  Leaving: ['Deleting', 'Failed'],
  Deleting: ['Deleted', 'Failed'],
  Deleted: [],
  Failed: [],
};

/** Phases after which nothing exists any more. */
export const TERMINAL_PHASES: readonly Phase[] = ['Deleted', 'Failed'];

/** Phases in which the cluster is on its way out. */
export const TEARDOWN_PHASES: readonly Phase[] = ['Draining', 'Leaving', 'Deleting'];

/** Whether `from -> to` is an edge of the lifecycle. */
export function canTransition(from: Phase, to: Phase): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Whether a record in this phase still holds (or may hold) resources. */
export function isLive(phase: Phase): boolean {
  return !TERMINAL_PHASES.includes(phase);
}

/**
 * The first teardown phase for a record that is asked to go away in `phase`:
 * traffic is drained only if it may have been routed, unjoin only if it may have joined.
 */
export function teardownEntry(phase: Phase): Phase | undefined {
  switch (phase) {
    case 'Requested':
    case 'Provisioning':
    case 'Ready':
      return 'Deleting';
    case 'Joined':
      return 'Leaving';
    case 'Active':
      return 'Draining';
    default:
      return undefined;
  }
}
