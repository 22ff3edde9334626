import type { Phase } from '../domain/lifecycle.ts';

/** What one lifecycle step did: moved the burst on, waited, or found nothing to do. */
export interface StepResult {
  readonly burstId: string;
  readonly step: string;
  readonly outcome: 'moved' | 'waiting' | 'noop';
  readonly from?: Phase;
  readonly to?: Phase;
  readonly why: string;
}

/** Shorthand for a step that did nothing. */
export function noop(burstId: string, step: string, why: string, from?: Phase): StepResult {
  return { burstId, step, outcome: 'noop', why, from };
}

/** Shorthand for a step that waits for the outside world. */
export function waiting(burstId: string, step: string, why: string, from?: Phase): StepResult {
  return { burstId, step, outcome: 'waiting', why, from };
}
