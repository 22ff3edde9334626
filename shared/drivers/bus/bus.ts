import type { LifecycleEvent } from '../../schemas/lifecycle-event.ts';

/**
 * Carries lifecycle events between functions, at least once. `publish` resolves once the bus
 * has taken responsibility for every event (delivered in-process, or accepted by EventBridge);
 * until then the events stay in the store's outbox.
 */
export interface EventBus {
  readonly name: string;
  publish(events: readonly LifecycleEvent[]): Promise<void>;
  close?(): Promise<void>;
}
