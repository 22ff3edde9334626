import { retry } from '../../retry.ts';
import type { LifecycleEvent } from '../../schemas/lifecycle-event.ts';
import type { EventBus } from './bus.ts';

/** Handles one event; throwing asks for a redelivery. */
export type EventHandler = (event: LifecycleEvent) => Promise<void>;

/** Options of the in-process bus. */
export interface MemoryBusOptions {
  /** Deliveries per event before `publish` gives up. @default 5 */
  readonly maxAttempts?: number;
  /** Cap of the first retry delay (jittered between half and all of it), doubled each time. @default 50 */
  readonly baseDelayMs?: number;
  /** Longest retry delay. @default 2000 */
  readonly maxDelayMs?: number;
  /** Told about each failed attempt (for logs and metrics). */
  readonly onError?: (event: LifecycleEvent, error: unknown, attempt: number) => void;
}

/**
 * The in-process bus: delivers each event to every subscriber, retrying with exponential
 * backoff. `publish` resolves only once every handler has succeeded, so the outbox relay acks
 * an event only after it was handled: a crash before that means redelivery, never loss.
 */
export class MemoryBus implements EventBus {
  readonly name = 'memory';
  readonly #handlers: EventHandler[] = [];
  readonly #options: Required<Omit<MemoryBusOptions, 'onError'>> & Pick<MemoryBusOptions, 'onError'>;
  #closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.#options = {
      maxAttempts: options.maxAttempts ?? 5,
      baseDelayMs: options.baseDelayMs ?? 50,
      maxDelayMs: options.maxDelayMs ?? 2000,
      onError: options.onError,
    };
  }

  /** Add a handler for every event. */
  subscribe(handler: EventHandler): void {
    this.#handlers.push(handler);
  }

  async publish(events: readonly LifecycleEvent[]): Promise<void> {
    await Promise.all(events.map((event) => this.#deliver(event)));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #deliver(event: LifecycleEvent): Promise<void> {
    const { maxAttempts, baseDelayMs, maxDelayMs, onError } = this.#options;
    await retry(
      async () => {
        for (const handler of this.#handlers) await handler(event);
      },
      {
        attempts: maxAttempts,
        baseMs: baseDelayMs,
        maxMs: maxDelayMs,
        retryIf: () => !this.#closed,
        ...(onError && { onFailure: (error: unknown, attempt: number) => onError(event, error, attempt) }),
      },
    );
  }
}
