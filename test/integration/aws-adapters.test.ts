import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { handler as alarmHandler, cloudWatchHandler } from '../../functions/capacityAlarm.ts';
import { handler as manualHandler } from '../../functions/manualBurst.ts';
import { handler as provisionHandler } from '../../functions/provision.ts';
import { handler as reconcileHandler } from '../../functions/reconcile.ts';
import { handler as scaleDownHandler } from '../../functions/scaleDown.ts';
import { loadConfig } from '../../shared/config/load-config.ts';
import type { ProviderDriver } from '../../shared/drivers/provider/provider.ts';
import { DriverError } from '../../shared/errors.ts';
import { lazyDeps, resetDeps, useDeps } from '../../shared/runtime/lazy-deps.ts';
import type { LifecycleEvent } from '../../shared/schemas/lifecycle-event.ts';
import { type EventSource, listEvents, loadEvent } from '../support/events.ts';
import {
  eventBridgeEvent,
  type HttpApiRequest,
  httpApiEvent,
  lambdaContext,
  lifecycleEnvelope,
} from '../support/lambda-events.ts';

const TOKEN = 'test-token-4f1d9c';

let dir: string;

/** Point CLUSTERBURST_CONFIG at a fresh YAML file and state directory, as a Lambda would see it. */
async function configure(extra: Record<string, unknown> = {}): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'clusterburst-aws-'));
  const file = join(dir, 'clusterburst.yaml');
  writeFileSync(
    file,
    stringify({
      installation: { id: 'awstest' },
      store: { path: join(dir, 'state.db') },
      stateDir: dir,
      logLevel: 'ERROR',
      providers: [
        {
          name: 'simulated',
          driver: 'simulated',
          regions: ['local'],
          pricePerNodeHour: 0.1,
          options: { readyAfterMs: 60_000 },
        },
        // Samples ask for provider aws in eu-west-1; a simulated one stands in for it.
        {
          name: 'aws',
          driver: 'simulated',
          regions: ['eu-west-1'],
          pricePerNodeHour: 0.2,
          options: { readyAfterMs: 60_000 },
        },
      ],
      ...extra,
    }),
  );
  process.env.CLUSTERBURST_CONFIG = file;
  await useDeps();
}

async function records() {
  return (await lazyDeps()).store.list();
}

async function outbox() {
  return (await lazyDeps()).store.pendingEvents(100);
}

/** Invoke an HTTP function and decode its JSON answer. */
async function call(
  fn: typeof alarmHandler,
  request: HttpApiRequest,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const result = (await fn(
    httpApiEvent(request),
    lambdaContext('http'),
  )) as APIGatewayProxyStructuredResultV2;
  expect(result.headers?.['content-type']).toBe('application/json');
  return { status: result.statusCode!, body: JSON.parse(result.body ?? '{}') as Record<string, unknown> };
}

const authed = { Authorization: `Bearer ${TOKEN}` };
const post = (route: string, body: unknown, headers: Record<string, string> = authed): HttpApiRequest => ({
  method: 'POST',
  route,
  body,
  headers,
});

afterEach(async () => {
  await resetDeps();
  delete process.env.CLUSTERBURST_CONFIG;
  delete process.env.CB_TEST_TOKEN;
  rmSync(dir, { recursive: true, force: true });
});

afterAll(async () => {
  await useDeps();
});

describe('Lambda HTTP handlers (API Gateway HTTP API 2.0)', () => {
  beforeEach(async () => {
    process.env.CB_TEST_TOKEN = TOKEN;
    await configure({ server: { auth: { bearerToken: 'env:CB_TEST_TOKEN' } } });
  });

  it('turns the Alertmanager firing sample into one burst record and publishes its event before returning', async () => {
    const answer = await call(
      alarmHandler,
      post('/alerts/alertmanager', loadEvent('alertmanager', 'firing')),
    );
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ decision: 'burst', phase: 'Requested' });
    const [record] = await records();
    expect(record).toMatchObject({ id: answer.body.burstId, phase: 'Requested' });
    expect(await outbox()).toEqual([]);
  });

  it.each([
    ['alertmanager', 'firing', 'burst'],
    ['alertmanager', 'multiple-alerts', 'burst'],
    ['alertmanager', 'truncated', 'burst'],
    ['alertmanager', 'resolved', 'resolved'],
    ['cloudwatch', 'alarm', 'burst'],
    ['cloudwatch', 'ok', 'resolved'],
    ['cloudwatch', 'insufficient-data', 'ignored'],
    ['gcp', 'incident-open', 'burst'],
    ['gcp', 'incident-closed', 'resolved'],
    ['gcp', 'test-notification', 'ignored'],
  ] as const)('answers 202 to the %s sample %s with decision %s', async (source, name, decision) => {
    const route = {
      alertmanager: '/alerts/alertmanager',
      cloudwatch: '/alerts/cloudwatch',
      gcp: '/alerts/gcp',
    };
    const answer = await call(alarmHandler, post(route[source], loadEvent(source, name)));
    expect(answer).toMatchObject({ status: 202, body: { decision } });
    expect(await records()).toHaveLength(decision === 'burst' ? 1 : 0);
  });

  it('accepts a base64-encoded body as API Gateway sends some payloads', async () => {
    const request = { ...post('/alerts/alertmanager', loadEvent('alertmanager', 'firing')), base64: true };
    expect((await call(alarmHandler, request)).status).toBe(202);
    expect(await records()).toHaveLength(1);
  });

  it('creates, lists, shows and tears down a manual burst', async () => {
    const created = await call(manualHandler, post('/bursts', loadEvent('manual', 'burst-with-ttl')));
    expect(created).toMatchObject({ status: 202, body: { decision: 'burst' } });
    const id = created.body.burstId as string;
    const listed = await call(manualHandler, { method: 'GET', route: '/bursts', headers: authed });
    expect(listed.status).toBe(200);
    expect((listed.body.bursts as { id: string }[]).map((b) => b.id)).toEqual([id]);
    const shown = await call(manualHandler, {
      method: 'GET',
      route: '/bursts/{id}',
      path: `/bursts/${id}`,
      headers: authed,
    });
    expect(shown).toMatchObject({ status: 200, body: { id, phase: 'Requested' } });
    expect(shown.body.history).toHaveLength(1);
    const deleted = await call(manualHandler, {
      method: 'DELETE',
      route: '/bursts/{id}',
      path: `/bursts/${id}`,
      headers: authed,
    });
    expect(deleted.status).toBe(202);
    const plan = await call(manualHandler, { method: 'GET', route: '/plan', headers: authed });
    expect(plan.status).toBe(200);
  });

  it('answers 400 to a malformed percent-encoding in the path, deleting nothing', async () => {
    const answer = await call(manualHandler, {
      method: 'DELETE',
      route: '/bursts/{id}',
      path: '/bursts/%E0%A4%A',
      headers: authed,
    });
    expect(answer).toMatchObject({ status: 400, body: { error: expect.stringMatching(/percent-encoding/) } });
  });

  it('answers 404 naming a burst that does not exist', async () => {
    const answer = await call(manualHandler, {
      method: 'GET',
      route: '/bursts/{id}',
      path: '/bursts/b-000000000000',
      headers: authed,
    });
    expect(answer).toMatchObject({ status: 404, body: { error: expect.stringContaining('b-000000000000') } });
  });

  const INVALID: Record<string, { route?: string; field: RegExp }> = {
    'alertmanager-bad-alert-status': { route: '/alerts/alertmanager', field: /alerts\.0\.status/ },
    'alertmanager-missing-status': { route: '/alerts/alertmanager', field: /^status:/ },
    'cloudwatch-unknown-state': { route: '/alerts/cloudwatch', field: /detail\.state\.value/ },
    'cloudwatch-wrong-detail-type': { route: '/alerts/cloudwatch', field: /detail-type/ },
    'gcp-missing-incident-id': { route: '/alerts/gcp', field: /incident\.incident_id/ },
    'gcp-unknown-state': { route: '/alerts/gcp', field: /incident\.state/ },
    // A Pub/Sub envelope posted to the webhook is not an incident (the Pub/Sub form is GCP's).
    'gcp-pubsub-not-base64': { route: '/alerts/gcp', field: /^incident:/ },
    'gcp-pubsub-not-json': { route: '/alerts/gcp', field: /^incident:/ },
    'manual-bad-ttl': { route: '/bursts', field: /^ttl:/ },
    'manual-empty-reason': { route: '/bursts', field: /^reason:/ },
    'manual-unknown-field': { route: '/bursts', field: /node/ },
    // Not an HTTP input: the schedule handler test below covers it.
    'schedule-unknown-task': { field: /task/ },
  };

  it('has a case for every sample in events/invalid', () => {
    expect(Object.keys(INVALID).sort()).toEqual(listEvents('invalid'));
  });

  it.each(Object.entries(INVALID).filter(([, c]) => c.route))(
    'answers 400 naming the field for events/invalid/%s, changing nothing',
    async (name, { route, field }) => {
      const fn = route!.startsWith('/bursts') ? manualHandler : alarmHandler;
      const answer = await call(fn, post(route!, loadEvent('invalid', name)));
      expect(answer.status).toBe(400);
      expect(answer.body.issues).toEqual(expect.arrayContaining([expect.stringMatching(field)]));
      expect(await records()).toEqual([]);
    },
  );

  it('answers 401 without credentials and with wrong ones, and never runs the function', async () => {
    const body = loadEvent('alertmanager', 'firing');
    const missing = await call(alarmHandler, post('/alerts/alertmanager', body, {}));
    const wrong = await call(
      alarmHandler,
      post('/alerts/alertmanager', body, { authorization: 'Bearer nope' }),
    );
    expect([missing.status, wrong.status]).toEqual([401, 401]);
    expect(missing.body.error).toMatch(/missing Authorization/);
    expect(JSON.stringify(wrong.body)).not.toContain('nope');
    expect(await records()).toEqual([]);
  });

  it('checks credentials on reads of the manual API too', async () => {
    const answer = await call(manualHandler, { method: 'GET', route: '/bursts' });
    expect(answer.status).toBe(401);
  });

  it('answers 415 naming the content type that was sent', async () => {
    const answer = await call(
      alarmHandler,
      post('/alerts/alertmanager', 'status=firing', { ...authed, 'Content-Type': 'text/plain' }),
    );
    expect(answer).toMatchObject({ status: 415, body: { error: expect.stringContaining('text/plain') } });
  });

  it('answers 400 to malformed JSON', async () => {
    const answer = await call(alarmHandler, post('/alerts/alertmanager', '{"status": "firing",'));
    expect(answer).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^malformed JSON/) } });
    expect(await records()).toEqual([]);
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const big = JSON.stringify({ receiver: 'x'.repeat(1024 * 1024) });
    const answer = await call(alarmHandler, post('/alerts/alertmanager', big));
    expect(answer.status).toBe(413);
  });

  it('answers 400 to a POST without a body, naming what is missing', async () => {
    const answer = await call(manualHandler, { method: 'POST', route: '/bursts', headers: authed });
    expect(answer.status).toBe(400);
  });

  it('answers 404 for a path the function does not serve and 405 for a wrong method', async () => {
    const unknown = await call(alarmHandler, { method: 'POST', route: '$default', path: '/alerts/nagios' });
    const method = await call(alarmHandler, { method: 'GET', route: '$default', path: '/alerts/gcp' });
    expect([unknown.status, method.status]).toEqual([404, 405]);
  });
});

describe('Lambda handlers without credentials configured', () => {
  beforeEach(async () => configure());

  it('refuses to create or tear down bursts for anyone, with or without an Authorization header', async () => {
    const created = await call(manualHandler, post('/bursts', loadEvent('manual', 'burst'), {}));
    const alarm = await call(
      alarmHandler,
      post('/alerts/alertmanager', loadEvent('alertmanager', 'firing'), {}),
    );
    const deleted = await call(manualHandler, {
      method: 'DELETE',
      route: '/bursts/{id}',
      path: '/bursts/b-000000000000',
      headers: authed,
    });
    expect([created, alarm, deleted]).toEqual(
      Array(3).fill({ status: 500, body: { error: 'configuration error' } }),
    );
    expect(await records()).toEqual([]);
  });

  it('logs why it refuses, naming server.auth and the explicit opt-out', async () => {
    const logged = vi.spyOn((await lazyDeps()).logger, 'error');
    await call(manualHandler, { method: 'GET', route: '/bursts' });
    expect(logged).toHaveBeenCalledWith('request failed', {
      path: '/bursts',
      error: expect.stringMatching(
        /^configuration server\.auth: a Lambda HTTP function needs a bearerToken or basic credentials \(or "auth: none"/,
      ),
    });
  });

  it('serves without credentials when the configuration says auth: none', async () => {
    await configure({ server: { auth: 'none' } });
    const answer = await call(manualHandler, post('/bursts', loadEvent('manual', 'burst'), {}));
    expect(answer).toMatchObject({ status: 202, body: { decision: 'burst' } });
  });
});

describe('Lambda handlers with a configuration that cannot load', () => {
  beforeEach(async () => {
    process.env.CB_TEST_TOKEN = TOKEN;
    await configure({ server: { auth: { bearerToken: 'env:CB_TEST_TOKEN' } } });
  });

  it('answers 500 without detail when the configuration is broken, and recovers once it is fixed', async () => {
    process.env.CLUSTERBURST_CONFIG = join(dir, 'missing.yaml');
    await useDeps();
    const broken = await call(
      alarmHandler,
      post('/alerts/alertmanager', loadEvent('alertmanager', 'firing')),
    );
    expect(broken).toEqual({ status: 500, body: { error: 'configuration error' } });
    process.env.CLUSTERBURST_CONFIG = join(dir, 'clusterburst.yaml');
    const fixed = await call(alarmHandler, post('/alerts/alertmanager', loadEvent('alertmanager', 'firing')));
    expect(fixed.status).toBe(202);
  });
});

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
  // Only the route, drain and leave steps (and reconcile) touch the gateway; nothing else builds it.
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
