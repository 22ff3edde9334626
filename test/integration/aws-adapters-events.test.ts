import { beforeEach, describe, expect, it } from 'vitest';
import { handler as alarmHandler, cloudWatchHandler } from '../../functions/lambda/capacityAlarm.ts';
import { handler as provisionHandler } from '../../functions/lambda/provision.ts';
import { handler as reconcileHandler } from '../../functions/lambda/reconcile.ts';
import { handler as scaleDownHandler } from '../../functions/lambda/scaleDown.ts';
import { loadConfig } from '../../shared/config/load-config.ts';
import type { ProviderDriver } from '../../shared/drivers/provider/provider.ts';
import { DriverError } from '../../shared/errors.ts';
import { useDeps } from '../../shared/runtime/lazy-deps.ts';
import type { LifecycleEvent } from '../../shared/schemas/lifecycle-event.ts';
import { type EventSource, loadEvent } from '../support/events.ts';
import { eventBridgeEvent, lambdaContext, lifecycleEnvelope } from '../support/lambda-events.ts';
import { call, configure, outbox, post, records, useLambdaWorld } from '../support/lambda-world.ts';

useLambdaWorld();

describe('Lambda event handlers (EventBridge rules)', () => {
  beforeEach(async () => configure());
  const context = lambdaContext('events');

  it('bursts on the CloudWatch ALARM event and acknowledges OK and INSUFFICIENT_DATA', async () => {
    const alarm = await cloudWatchHandler(loadEvent('cloudwatch', 'alarm'), context);
    expect(alarm).toMatchObject({ decision: 'burst' });
    const ok = await cloudWatchHandler(loadEvent('cloudwatch', 'ok'), context);
    expect(ok).toMatchObject({ decision: 'resolved' });
    const unknown = await cloudWatchHandler(loadEvent('cloudwatch', 'insufficient-data'), context);
    expect(unknown).toMatchObject({ decision: 'ignored' });
    expect(await records()).toHaveLength(1);
    expect(await outbox()).toEqual([]);
  });

  it.each(['cloudwatch-unknown-state', 'cloudwatch-wrong-detail-type'])(
    'acknowledges the invalid CloudWatch event %s without retrying or changing state',
    async (name) => {
      const result = await cloudWatchHandler(loadEvent('invalid', name), context);
      expect(result).toMatchObject({ ignored: true, why: expect.stringContaining('detail') });
      expect(await records()).toEqual([]);
    },
  );

  async function requested(): Promise<LifecycleEvent> {
    const outcome = (await cloudWatchHandler(loadEvent('cloudwatch', 'alarm'), context)) as {
      burstId: string;
    };
    const record = (await records()).find((r) => r.id === outcome.burstId)!;
    return {
      id: `${record.id}:BurstRequested:1`,
      type: 'BurstRequested',
      burstId: record.id,
      phase: 'Requested',
      at: record.createdAt,
    };
  }

  it('provisions on a BurstRequested event from the lifecycle bus', async () => {
    const event = await requested();
    const result = await provisionHandler(lifecycleEnvelope(event), context);
    expect(result).toMatchObject({ outcome: 'moved', from: 'Requested', to: 'Provisioning' });
    expect((await records())[0]!.phase).toBe('Provisioning');
    expect(await outbox()).toEqual([]);
  });

  it('treats a redelivered event as done', async () => {
    const event = await requested();
    await provisionHandler(lifecycleEnvelope(event), context);
    const again = await provisionHandler(lifecycleEnvelope(event), context);
    expect(again).toMatchObject({ outcome: 'noop' });
  });

  it('acknowledges an envelope whose detail-type contradicts its detail', async () => {
    const event = await requested();
    const envelope = eventBridgeEvent('clusterburst.lifecycle', 'ClusterReady', event);
    expect(await provisionHandler(envelope, context)).toMatchObject({ ignored: true });
    expect((await records())[0]!.phase).toBe('Requested');
  });

  it('acknowledges an event from another source', async () => {
    const event = await requested();
    const envelope = eventBridgeEvent('aws.ec2', 'BurstRequested', event);
    expect(await provisionHandler(envelope, context)).toMatchObject({ ignored: true, why: /source/ });
  });

  it('fails the invocation on a retryable provider error so EventBridge delivers it again', async () => {
    const event = await requested();
    const throttled: ProviderDriver = {
      name: 'simulated',
      create: async () => {
        throw new DriverError('simulated', 'throttled', { retryable: true });
      },
      describe: async () => undefined,
      delete: async () => undefined,
      credentials: async () => ({ endpoint: 'https://127.0.0.1:1' }),
      resize: async () => {
        throw new DriverError('simulated', 'throttled', { retryable: true });
      },
      list: async () => [],
    };
    const config = loadConfig({ path: process.env.CLUSTERBURST_CONFIG });
    await useDeps(config, { overrides: { providers: new Map([['simulated', throttled]]) } });
    await expect(provisionHandler(lifecycleEnvelope(event), context)).rejects.toThrow(/throttled/);
    expect((await records())[0]!.phase).toBe('Requested');
  });
});

describe('Lambda functions with a gateway that cannot be built', () => {
  // Only the route, drain and awaitDrain steps (and reconcile) touch the gateway; nothing else builds it.
  // (A bad option never gets this far: the configuration refuses it at cold start.)
  beforeEach(async () =>
    configure({
      gateway: { driver: 'gateway-api', options: { kubeconfigPath: '/nonexistent/clusterburst/kubeconfig' } },
      server: { auth: 'none' },
    }),
  );
  const context = lambdaContext('events');

  it('still bursts on the webhook and provisions, since neither builds the gateway', async () => {
    const answer = await call(
      alarmHandler,
      post('/alerts/alertmanager', loadEvent('alertmanager', 'firing'), {}),
    );
    expect(answer.status).toBe(202);
    const record = (await records())[0]!;
    const event: LifecycleEvent = {
      id: `${record.id}:BurstRequested:1`,
      type: 'BurstRequested',
      burstId: record.id,
      phase: 'Requested',
      at: record.createdAt,
    };
    expect(await provisionHandler(lifecycleEnvelope(event), context)).toMatchObject({ to: 'Provisioning' });
  });

  it('acknowledges reconcile failing on the gateway with the field named in its report', async () => {
    const report = await reconcileHandler(
      loadEvent('schedule', 'eventbridge-scheduled'),
      lambdaContext('schedule'),
    );
    expect(report).toMatchObject({
      errors: [
        expect.objectContaining({
          error: expect.stringMatching(/gateway\.options: cannot load the kubeconfig/),
        }),
      ],
    });
  });
});

describe('Lambda schedule handlers', () => {
  beforeEach(async () => configure());
  const context = lambdaContext('schedule');

  it('runs reconcile on the EventBridge Scheduled Event', async () => {
    const report = await reconcileHandler(loadEvent('schedule', 'eventbridge-scheduled'), context);
    expect(report).toMatchObject({ published: 0, orphans: { clusters: [] } });
  });

  it('runs scale-down on the local form naming its task', async () => {
    const result = await scaleDownHandler(loadEvent('schedule', 'local-scale-down'), context);
    expect(result).not.toHaveProperty('ignored');
  });

  it.each([
    ['the local form naming another task', 'schedule', 'local-scale-down'],
    ['events/invalid/schedule-unknown-task', 'invalid', 'schedule-unknown-task'],
  ] as const)('acknowledges %s without running', async (_, source, name) => {
    const result = await reconcileHandler(loadEvent(source as EventSource, name), context);
    expect(result).toMatchObject({ ignored: true, why: expect.stringContaining('task') });
  });
});
