import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../shared/config/load-config.ts';
import { EventBridgeBus } from '../../../../../shared/drivers/bus/eventbridge.ts';
import { EventBridgeBusOptionsSchema } from '../../../../../shared/drivers/bus/eventbridge-options.ts';
import { ConfigError, DriverError } from '../../../../../shared/errors.ts';
import type { LifecycleEvent } from '../../../../../shared/schemas/lifecycle-event.ts';

const eventBridge = mockClient(EventBridgeClient);

function events(n: number): LifecycleEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const burstId = `b-${i.toString(16).padStart(12, '0')}`;
    return {
      id: `${burstId}:BurstRequested:1`,
      type: 'BurstRequested',
      burstId,
      phase: 'Requested',
      at: '2026-11-12T09:20:31.000Z',
    };
  });
}

function bus(maxAttempts = 4): EventBridgeBus {
  return new EventBridgeBus({
    ...EventBridgeBusOptionsSchema.parse({ busName: 'clusterburst-test', maxAttempts, baseDelayMs: 0 }),
    client: new EventBridgeClient({ region: 'eu-west-1' }),
  });
}

/** The entries of every PutEvents call, in order. */
function calls(): PutEventsRequestEntry[][] {
  return eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
}

const ids = (entries: readonly PutEventsRequestEntry[]) =>
  entries.map((e) => (JSON.parse(e.Detail!) as LifecycleEvent).id);

afterEach(() => {
  eventBridge.reset();
});

describe('EventBridgeBus', () => {
  it('sends each event with the source, detail-type, detail and bus the rules match on', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const [event] = events(1);
    await bus().publish([event!]);
    const [entry] = calls()[0]!;
    expect(entry).toMatchObject({
      Source: 'clusterburst.lifecycle',
      DetailType: 'BurstRequested',
      EventBusName: 'clusterburst-test',
    });
    expect(JSON.parse(entry!.Detail!)).toEqual(event);
  });

  it('splits 23 events into PutEvents calls of at most 10 entries', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: String(i) })),
    }));
    const all = events(23);
    await bus().publish(all);
    expect(calls().map((c) => c.length)).toEqual([10, 10, 3]);
    expect(calls().flatMap(ids)).toEqual(all.map((e) => e.id));
  });

  it('resends only the entries counted in FailedEntryCount', async () => {
    const all = events(4);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' },
          { EventId: 'c' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
        ],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }, { EventId: 'd' }] });
    await bus().publish(all);
    expect(calls().map(ids)).toEqual([all.map((e) => e.id), [all[1]!.id, all[3]!.id]]);
  });

  it('gives up after a bounded number of attempts with a retryable error, so the outbox keeps the event', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'service unavailable' }],
    });
    const error = await bus(3)
      .publish(events(1))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).retryable).toBe(true);
    expect((error as DriverError).message).toContain('InternalFailure');
    expect(calls()).toHaveLength(3);
  });

  it('reports a refused call as retryable when the service failed and as final when the request was wrong', async () => {
    const serverFault = Object.assign(new Error('internal'), { name: 'InternalException', $fault: 'server' });
    const clientFault = Object.assign(new Error('not authorized to perform events:PutEvents'), {
      name: 'AccessDeniedException',
      $fault: 'client',
    });
    eventBridge.on(PutEventsCommand).rejectsOnce(serverFault).rejectsOnce(clientFault);
    const first = (await bus()
      .publish(events(1))
      .catch((e: unknown) => e)) as DriverError;
    const second = (await bus()
      .publish(events(1))
      .catch((e: unknown) => e)) as DriverError;
    expect([first.retryable, second.retryable]).toEqual([true, false]);
    expect(second.message).toContain('events:PutEvents');
  });

  it('publishes nothing for an empty list', async () => {
    await bus().publish([]);
    expect(calls()).toHaveLength(0);
  });

  it('rejects configuration without a bus name when it loads, naming the field', () => {
    const load = () =>
      loadConfig({ value: { bus: { driver: 'eventbridge', options: { region: 'eu-west-1' } } } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/bus\.options\.busName/);
  });
});
