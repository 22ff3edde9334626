import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { handler as alarmHandler } from '../../functions/lambda/capacityAlarm.ts';
import { handler as provisionHandler } from '../../functions/lambda/provision.ts';
import { lazyDeps, resetDeps, useDeps } from '../../shared/runtime/lazy-deps.ts';
import type { LifecycleEvent } from '../../shared/schemas/lifecycle-event.ts';
import { loadEvent } from '../support/events.ts';
import { httpApiEvent, lambdaContext, lifecycleEnvelope } from '../support/lambda-events.ts';

let dir: string;
const eventBridge = mockClient(EventBridgeClient);

/** A Lambda configuration whose EventBridge bus resends refused events for about 15 s. */
async function configure(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'clusterburst-deadline-'));
  const file = join(dir, 'clusterburst.yaml');
  writeFileSync(
    file,
    stringify({
      installation: { id: 'deadline' },
      store: { path: join(dir, 'state.db') },
      stateDir: dir,
      logLevel: 'ERROR',
      server: { auth: 'none' },
      bus: {
        driver: 'eventbridge',
        options: {
          busName: 'clusterburst-ci',
          region: 'eu-west-1',
          maxAttempts: 20,
          baseDelayMs: 1000,
          maxDelayMs: 1000,
        },
      },
      providers: [
        {
          name: 'aws',
          driver: 'simulated',
          regions: ['eu-west-1'],
          pricePerNodeHour: 0.2,
          options: { readyAfterMs: 60_000 },
        },
      ],
    }),
  );
  process.env.CLUSTERBURST_CONFIG = file;
  await useDeps();
}

/** A Lambda context with `remainingMs` left of the invocation. */
function contextWith(remainingMs: number) {
  const started = performance.now();
  return {
    ...lambdaContext('provision'),
    getRemainingTimeInMillis: () => remainingMs - (performance.now() - started),
  };
}

/** The BurstRequested event of a burst the webhook admitted and published. */
async function requested(): Promise<LifecycleEvent> {
  const answer = (await alarmHandler(
    httpApiEvent({
      method: 'POST',
      route: '/alerts/alertmanager',
      body: loadEvent('alertmanager', 'firing'),
      headers: {},
    }),
    lambdaContext('http'),
  )) as APIGatewayProxyStructuredResultV2;
  const burstId = (JSON.parse(answer.body ?? '{}') as { burstId: string }).burstId;
  const record = (await (await lazyDeps()).store.get(burstId))!;
  return {
    id: `${record.id}:BurstRequested:1`,
    type: 'BurstRequested',
    burstId,
    phase: 'Requested',
    at: record.createdAt,
  };
}

const refuse = () =>
  eventBridge.on(PutEventsCommand).resolves({
    FailedEntryCount: 1,
    Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'unavailable' }],
  });

describe('Lambda invocations near their deadline', () => {
  beforeEach(async () => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    await configure();
  });
  afterEach(async () => {
    await resetDeps();
    delete process.env.CLUSTERBURST_CONFIG;
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    eventBridge.restore();
    await useDeps();
  });

  it('stops resending refused events when the remaining time runs out, failing retryably before the deadline', async () => {
    const event = await requested();
    refuse();
    const started = performance.now();
    // 3 s left: without the deadline the bus would keep resending for about 15 s.
    const error = await provisionHandler(lifecycleEnvelope(event), contextWith(3000)).catch(
      (e: unknown) => e,
    );
    const took = performance.now() - started;
    expect(error).toMatchObject({ retryable: true });
    expect(took).toBeLessThan(3000);
    // The step committed; its event waits in the outbox for the redelivery.
    const deps = await lazyDeps();
    expect((await deps.store.get(event.burstId))!.phase).toBe('Provisioning');
    expect((await deps.store.pendingEvents(10)).map((e) => e.event.type)).toEqual(['ClusterProvisioning']);
  }, 20_000);

  it('fails retryably without starting the step when less than the margin is left', async () => {
    const event = await requested();
    await expect(provisionHandler(lifecycleEnvelope(event), contextWith(400))).rejects.toMatchObject({
      name: 'DeadlineError',
      retryable: true,
    });
    expect((await (await lazyDeps()).store.get(event.burstId))!.phase).toBe('Requested');
  });
});
