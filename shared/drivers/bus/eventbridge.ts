import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { DriverError } from '../../errors.ts';
import { currentSignal, retry } from '../../retry.ts';
import { LIFECYCLE_EVENT_SOURCE, type LifecycleEvent } from '../../schemas/lifecycle-event.ts';
import type { EventBus } from './bus.ts';
import type { EventBridgeBusOptions as ParsedOptions } from './eventbridge-options.ts';

/** PutEvents accepts 1 to 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/** Options of the EventBridge bus (parsed config options, plus a client for tests). */
export type EventBridgeBusOptions = ParsedOptions & {
  /** A ready client; built from `region`/`endpoint` when absent. */
  readonly client?: EventBridgeClient;
};

/**
 * Publishes lifecycle events to an EventBridge bus: `Source` clusterburst.lifecycle,
 * `DetailType` the event type (what the serverless.yml rules match on), `Detail` the event.
 * PutEvents can accept some entries of a call and refuse others (`FailedEntryCount`), so only
 * the refused ones are sent again, with backoff; after `maxAttempts` the call fails retryably and
 * the events stay in the outbox. EventBridge does not deduplicate: subscribers are idempotent.
 */
export class EventBridgeBus implements EventBus {
  readonly name = 'eventbridge';
  readonly #client: EventBridgeClient;
  readonly #options: ParsedOptions;

  constructor(options: EventBridgeBusOptions) {
    const { client, ...rest } = options;
    this.#options = rest;
    this.#client =
      client ??
      new EventBridgeClient({
        ...(this.#options.region && { region: this.#options.region }),
        ...(this.#options.endpoint && { endpoint: this.#options.endpoint }),
      });
  }

  async publish(events: readonly LifecycleEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += PUT_EVENTS_MAX_ENTRIES) {
      await this.#putBatch(events.slice(i, i + PUT_EVENTS_MAX_ENTRIES).map((e) => this.#entry(e)));
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  #entry(event: LifecycleEvent): PutEventsRequestEntry {
    return {
      Source: LIFECYCLE_EVENT_SOURCE,
      DetailType: event.type,
      Detail: JSON.stringify(event),
      EventBusName: this.#options.busName,
      Time: new Date(event.at),
    };
  }

  /** Send one batch, resending only the entries EventBridge refused, a bounded number of times. */
  async #putBatch(batch: readonly PutEventsRequestEntry[]): Promise<void> {
    const { maxAttempts, baseDelayMs, maxDelayMs } = this.#options;
    let pending = batch;
    try {
      await retry(
        async () => {
          const result = await this.#send(pending);
          if (!result.FailedEntryCount) return;
          // Result entries line up with request entries; a refused one carries an ErrorCode.
          const refused = pending.filter((_, i) => result.Entries?.[i]?.ErrorCode !== undefined);
          // A count without matching entries would loop on nothing: resend the whole batch instead.
          pending = refused.length ? refused : pending;
          throw new Refused(describeRefusals(result.Entries ?? []));
        },
        {
          attempts: maxAttempts,
          baseMs: baseDelayMs,
          maxMs: maxDelayMs,
          retryIf: (e) => e instanceof Refused,
        },
      );
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      throw new DriverError(
        'eventbridge',
        `${pending.length} of ${batch.length} events refused after ${maxAttempts} attempts (${error.codes.join(', ')})`,
        { retryable: true },
      );
    }
  }

  async #send(entries: readonly PutEventsRequestEntry[]) {
    try {
      const abortSignal = currentSignal();
      return await this.#client.send(new PutEventsCommand({ Entries: [...entries] }), {
        ...(abortSignal && { abortSignal }),
      });
    } catch (error) {
      // The SDK already retried throttling and 5xx; what is left is either the service still
      // failing (retry later) or a fault of ours such as a missing permission (will not heal).
      const serverFault = (error as { $fault?: string }).$fault !== 'client';
      throw new DriverError('eventbridge', `PutEvents failed: ${(error as Error).message}`, {
        cause: error,
        retryable: serverFault || isThrottle(error),
      });
    }
  }
}

function describeRefusals(entries: readonly PutEventsResultEntry[]): string[] {
  const codes = entries.flatMap((e) => (e.ErrorCode ? [`${e.ErrorCode}: ${e.ErrorMessage ?? ''}`] : []));
  return [...new Set(codes)];
}

function isThrottle(error: unknown): boolean {
  const name = (error as { name?: string }).name ?? '';
  return /Throttl|TooManyRequests|LimitExceeded/i.test(name);
}

/** Some entries of a PutEvents call were refused; only these are sent again. */
class Refused extends Error {
  constructor(readonly codes: readonly string[]) {
    super(codes.join(', '));
  }
}
