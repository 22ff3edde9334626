import type { EventBus } from '../drivers/bus/bus.ts';
import type { BurstStore } from '../drivers/store/store.ts';
import { backoffDelay } from '../retry.ts';
import type { LifecycleEvent } from '../schemas/lifecycle-event.ts';

/** Options of the outbox relay. */
export interface OutboxRelayOptions {
  /** Events taken per pass. @default 100 */
  readonly batch?: number;
  /** Failed deliveries of one event before it is dead-lettered (acked and reported). @default 10 */
  readonly maxAttempts?: number;
  /** Longest pause before an event that failed is tried again. @default 60000 */
  readonly maxBackoffMs?: number;
  readonly onDeadLetter?: (event: LifecycleEvent, attempts: number) => void;
  readonly onError?: (event: LifecycleEvent, error: unknown) => void;
}

/** What one `flush` pass did. */
export interface FlushReport {
  /** Events the bus took and the outbox acknowledged. */
  readonly acked: number;
  /** Events the bus refused in this pass, dead-lettered ones included. */
  readonly failed: number;
}

/** How one delivery ended: published but not acked means the store failed (it is closing). */
type Delivery = 'acked' | 'failed' | 'unacked';

/**
 * Moves events from the store's outbox to the bus, acking each only after the bus took it.
 * `flush` is one pass (Lambda calls it before returning; reconcile calls it to catch up);
 * `start` keeps passing whenever the store says new events were committed.
 */
export class OutboxRelay {
  readonly #inFlight = new Set<string>();
  readonly #retryAt = new Map<string, number>();
  readonly #options: OutboxRelayOptions;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;

  constructor(
    readonly store: BurstStore,
    readonly bus: EventBus,
    options: OutboxRelayOptions = {},
  ) {
    this.#options = options;
  }

  /**
   * Publish what is pending now. Events waiting out their backoff after an earlier failure are
   * not tried again, so they count as neither acked nor failed.
   */
  async flush(): Promise<FlushReport> {
    const deliveries = await Promise.all(await this.#launch());
    return {
      acked: deliveries.filter((d) => d === 'acked').length,
      failed: deliveries.filter((d) => d === 'failed').length,
    };
  }

  /** Start delivering every due event; each delivery runs on its own so a slow one holds up none. */
  async #launch(): Promise<Promise<Delivery>[]> {
    const now = Date.now();
    const pending = await this.store.pendingEvents(this.#options.batch ?? 100);
    const due = pending.filter(
      (p) => !this.#inFlight.has(p.event.id) && (this.#retryAt.get(p.event.id) ?? 0) <= now,
    );
    // A callback that throws must not become an unhandled rejection.
    return due.map((p) => this.#relay(p.event, p.attempts).catch((): Delivery => 'unacked'));
  }

  /** Relay continuously: on every committed event, and every `intervalMs` for retries. */
  start(intervalMs = 1000): void {
    this.store.onEvents?.(() => this.#kick());
    this.#timer = setInterval(() => this.#kick(), intervalMs);
    this.#timer.unref();
    this.#kick();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Events being delivered right now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  #kick(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.#launch()
      .catch(() => [])
      .finally(() => {
        this.#running = false;
        if (this.#again) {
          this.#again = false;
          this.#kick();
        }
      });
  }

  async #relay(event: LifecycleEvent, attempts: number): Promise<Delivery> {
    this.#inFlight.add(event.id);
    let published = false;
    try {
      await this.bus.publish([event]);
      published = true;
      await this.store.ackEvents([event.id]);
      this.#retryAt.delete(event.id);
      return 'acked';
    } catch (error) {
      this.#options.onError?.(event, error);
      // A store that fails here (closing) must not hide that the bus refused the event; the
      // event stays in the outbox either way.
      await this.#retryLater(event, attempts).catch(() => undefined);
      return published ? 'unacked' : 'failed';
    } finally {
      this.#inFlight.delete(event.id);
    }
  }

  /** Count the failed attempt: dead-letter the event after `maxAttempts`, else back off. */
  async #retryLater(event: LifecycleEvent, attempts: number): Promise<void> {
    const tries = attempts + 1;
    if (tries >= (this.#options.maxAttempts ?? 10)) {
      await this.store.ackEvents([event.id]);
      this.#retryAt.delete(event.id);
      this.#options.onDeadLetter?.(event, tries);
      return;
    }
    await this.store.nackEvent(event.id);
    // Jittered: events that failed together (a bus outage) are not all retried in one burst.
    this.#retryAt.set(event.id, Date.now() + backoffDelay(tries, 1000, this.#options.maxBackoffMs ?? 60_000));
  }
}
