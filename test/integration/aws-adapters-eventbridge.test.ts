import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as alarmHandler } from '../../functions/lambda/capacityAlarm.ts';
import { handler as provisionHandler } from '../../functions/lambda/provision.ts';
import type { LifecycleEvent } from '../../shared/schemas/lifecycle-event.ts';
import { loadEvent } from '../support/events.ts';
import { lambdaContext, lifecycleEnvelope } from '../support/lambda-events.ts';
import { call, configure, outbox, post, records, useLambdaWorld } from '../support/lambda-world.ts';

useLambdaWorld();

describe('Lambda with the EventBridge bus', () => {
  const eventBridge = mockClient(EventBridgeClient);
  beforeEach(async () => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    await configure({
      bus: { driver: 'eventbridge', options: { busName: 'clusterburst-ci', region: 'eu-west-1' } },
      server: { auth: 'none' },
    });
  });
  afterAll(() => eventBridge.restore());

  it('puts the BurstRequested event on the custom bus before the webhook answers', async () => {
    const answer = await call(
      alarmHandler,
      post('/alerts/alertmanager', loadEvent('alertmanager', 'firing'), {}),
    );
    expect(answer.status).toBe(202);
    const entries = eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries).toEqual([
      expect.objectContaining({
        Source: 'clusterburst.lifecycle',
        DetailType: 'BurstRequested',
        EventBusName: 'clusterburst-ci',
      }),
    ]);
    expect(JSON.parse(entries[0]!.Detail!)).toMatchObject({ burstId: answer.body.burstId });
    expect(await outbox()).toEqual([]);
  });

  it('keeps the event in the outbox when EventBridge refuses it, and still answers the webhook', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'unavailable' }],
    });
    const answer = await call(
      alarmHandler,
      post('/alerts/alertmanager', loadEvent('alertmanager', 'firing'), {}),
    );
    expect(answer.status).toBe(202);
    expect((await outbox()).map((e) => e.event.type)).toEqual(['BurstRequested']);
  });

  const context = lambdaContext('events');
  const refuse = () =>
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'unavailable' }],
    });
  const accept = () =>
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  const putTypes = () =>
    eventBridge
      .commandCalls(PutEventsCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .map((e) => e.DetailType);

  /** The BurstRequested event of a burst the webhook admitted (and published). */
  async function requested(): Promise<LifecycleEvent> {
    const answer = await call(
      alarmHandler,
      post('/alerts/alertmanager', loadEvent('alertmanager', 'firing'), {}),
    );
    const record = (await records()).find((r) => r.id === answer.body.burstId)!;
    return {
      id: `${record.id}:BurstRequested:1`,
      type: 'BurstRequested',
      burstId: record.id,
      phase: 'Requested',
      at: record.createdAt,
    };
  }

  it('fails a lifecycle event invocation retryably when EventBridge refuses the event its step wrote', async () => {
    const event = await requested();
    refuse();
    await expect(provisionHandler(lifecycleEnvelope(event), context)).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('not published'),
    });
    // The step itself is done; only its event is waiting, and a redelivery finds the work done.
    expect((await records())[0]!.phase).toBe('Provisioning');
    expect((await outbox()).map((e) => e.event.type)).toEqual(['ClusterProvisioning']);
  });

  it('resolves a lifecycle event invocation once EventBridge took the event its step wrote', async () => {
    const event = await requested();
    const result = await provisionHandler(lifecycleEnvelope(event), context);
    expect(result).toMatchObject({ outcome: 'moved', to: 'Provisioning' });
    expect(putTypes()).toEqual(['BurstRequested', 'ClusterProvisioning']);
    expect(await outbox()).toEqual([]);
  });

  it('publishes the refused event on a redelivery once EventBridge is back', async () => {
    const event = await requested();
    refuse();
    await expect(provisionHandler(lifecycleEnvelope(event), context)).rejects.toThrow(/not published/);
    accept();
    // The relay backs off for a second after a refusal; EventBridge's own retries come later still.
    await vi.waitFor(
      async () => {
        expect(await provisionHandler(lifecycleEnvelope(event), context)).toMatchObject({ outcome: 'noop' });
        expect(await outbox()).toEqual([]);
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(putTypes().filter((t) => t === 'ClusterProvisioning').length).toBeGreaterThanOrEqual(2);
  });
});
