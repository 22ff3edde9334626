// Over ~350 lines on purpose: one platform's adapters (HTTP, CloudEvent and Cloud Scheduler functions) through the real functions framework.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GCP_FUNCTIONS } from '../../functions/gcp/index.ts';
import { loadConfig } from '../../shared/config/load-config.ts';
import type { EventBus } from '../../shared/drivers/bus/bus.ts';
import type { ProviderDriver } from '../../shared/drivers/provider/provider.ts';
import { DriverError } from '../../shared/errors.ts';
import { lazyDeps, resetDeps, useDeps } from '../../shared/runtime/lazy-deps.ts';
import type { LifecycleEvent } from '../../shared/schemas/lifecycle-event.ts';
import { loadEvent } from '../support/events.ts';
import {
  postBinary,
  postStructured,
  pubSubCloudEvent,
  type ServedFunction,
  serveFunction,
} from '../support/gcp-events.ts';

const TOKEN = 'gcp-test-token-9b2e';
const authed = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

let dir: string;
const served = new Map<string, ServedFunction>();

function configValue(auth: boolean | 'none') {
  return {
    installation: { id: 'gcptest' },
    store: { path: join(dir, 'state.db') },
    stateDir: dir,
    logLevel: 'ERROR',
    ...(auth && { server: { auth: auth === 'none' ? 'none' : { bearerToken: TOKEN } } }),
    providers: [
      {
        name: 'simulated',
        driver: 'simulated',
        regions: ['local'],
        pricePerNodeHour: 0.1,
        options: { readyAfterMs: 60_000 },
      },
    ],
  };
}

async function configure(auth = true): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'clusterburst-gcp-'));
  await useDeps(loadConfig({ value: configValue(auth) }));
}

const url = (name: string, path = '') => `${served.get(name)!.url}${path}`;
const records = async () => (await lazyDeps()).store.list();
const outbox = async () => (await lazyDeps()).store.pendingEvents(100);

async function postJson(name: string, path: string, body: unknown, headers: Record<string, string> = authed) {
  const res = await fetch(url(name, path), {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

/** A bus that is down: every publish fails retryably. */
const downBus: EventBus = {
  name: 'down',
  publish: async () => {
    throw new DriverError('down', 'bus unavailable', { retryable: true });
  },
};

beforeAll(async () => {
  for (const name of GCP_FUNCTIONS) served.set(name, await serveFunction(name));
});

afterAll(async () => {
  for (const s of served.values()) await s.close();
  await useDeps();
});

afterEach(async () => {
  await resetDeps();
  rmSync(dir, { recursive: true, force: true });
});

describe('Cloud Functions HTTP functions (functions framework)', () => {
  beforeEach(async () => configure());

  it('registers every function under its entry-point name', () => {
    expect(GCP_FUNCTIONS).toEqual(
      expect.arrayContaining([
        'capacityAlarm',
        'manualBurst',
        'capacityAlarmPubSub',
        'provision',
        'reconcile',
      ]),
    );
    expect(served.size).toBe(GCP_FUNCTIONS.length);
  });

  it('turns the Cloud Monitoring incident webhook into one burst record and publishes its event', async () => {
    const answer = await postJson('capacityAlarm', '/alerts/gcp', loadEvent('gcp', 'incident-open'));
    expect(answer.status).toBe(202);
    expect(answer.type).toMatch(/application\/json/);
    expect(json(answer.text)).toMatchObject({ decision: 'burst', phase: 'Requested' });
    expect(await records()).toHaveLength(1);
    expect(await outbox()).toEqual([]);
  });

  it.each([
    ['/alerts/gcp', 'gcp', 'test-notification', 'ignored'],
    ['/alerts/gcp', 'gcp', 'incident-closed', 'resolved'],
    ['/alerts/alertmanager', 'alertmanager', 'firing', 'burst'],
    ['/alerts/cloudwatch', 'cloudwatch', 'alarm', 'burst'],
  ] as const)(
    'answers 202 on %s to the %s sample %s with decision %s',
    async (path, source, name, decision) => {
      const answer = await postJson('capacityAlarm', path, loadEvent(source, name));
      expect(answer.status).toBe(202);
      expect(json(answer.text)).toMatchObject({ decision });
      expect(await records()).toHaveLength(decision === 'burst' ? 1 : 0);
    },
  );

  it.each([
    ['capacityAlarm', '/alerts/gcp', 'gcp-missing-incident-id', /incident\.incident_id/],
    ['capacityAlarm', '/alerts/gcp', 'gcp-unknown-state', /incident\.state/],
    ['capacityAlarm', '/alerts/alertmanager', 'alertmanager-bad-alert-status', /alerts\.0\.status/],
    ['manualBurst', '/bursts', 'manual-bad-ttl', /^ttl:/],
  ] as const)('answers 400 naming the field for %s %s events/invalid/%s', async (fn, path, name, field) => {
    const answer = await postJson(fn, path, loadEvent('invalid', name));
    expect(answer.status).toBe(400);
    expect(json(answer.text).issues).toEqual(expect.arrayContaining([expect.stringMatching(field)]));
    expect(await records()).toEqual([]);
  });

  it('answers 401 when the token is configured and missing', async () => {
    const answer = await postJson('capacityAlarm', '/alerts/gcp', loadEvent('gcp', 'incident-open'), {
      'content-type': 'application/json',
    });
    expect(answer.status).toBe(401);
    expect(json(answer.text).error).toMatch(/Authorization/);
    expect(await records()).toEqual([]);
  });

  it('answers 415 naming the content type', async () => {
    const answer = await postJson('capacityAlarm', '/alerts/gcp', 'state=open', {
      ...authed,
      'content-type': 'text/plain',
    });
    expect(answer.status).toBe(415);
    expect(json(answer.text).error).toContain('text/plain');
  });

  it('answers 400 with our JSON error to malformed JSON without running the function', async () => {
    const answer = await postJson('capacityAlarm', '/alerts/gcp', '{"incident": ');
    expect(answer.status).toBe(400);
    expect(answer.type).toMatch(/^application\/json/);
    expect(json(answer.text).error).toMatch(/^malformed JSON/);
    expect(await records()).toEqual([]);
  });

  it('answers 400 with our JSON error to malformed JSON of another JSON type', async () => {
    const answer = await postJson('capacityAlarm', '/alerts/gcp', '{"incident": ', {
      ...authed,
      'content-type': 'application/vnd.clusterburst+json',
    });
    expect(answer.status).toBe(400);
    expect(json(answer.text).error).toMatch(/^malformed JSON/);
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const answer = await postJson('capacityAlarm', '/alerts/gcp', { pad: 'x'.repeat(1024 * 1024) });
    expect(answer.status).toBe(413);
  });

  it('answers 400 to a malformed percent-encoding in the path', async () => {
    // Express (inside the framework) refuses it before the function runs, with its own error page.
    const res = await fetch(url('manualBurst', '/bursts/%E0%A4%A'), { method: 'DELETE', headers: authed });
    expect(res.status).toBe(400);
  });

  it('answers 404 for an unknown path and 405 for a wrong method', async () => {
    const unknown = await postJson('capacityAlarm', '/alerts/nagios', {});
    const wrong = await fetch(url('capacityAlarm', '/alerts/gcp'), { headers: authed });
    expect([unknown.status, wrong.status]).toEqual([404, 405]);
  });

  it('still answers 202 to the webhook when the bus refuses its event, keeping the event for reconcile', async () => {
    await useDeps(loadConfig({ value: configValue(true) }), { overrides: { bus: downBus } });
    const answer = await postJson('capacityAlarm', '/alerts/gcp', loadEvent('gcp', 'incident-open'));
    expect(answer.status).toBe(202);
    expect((await outbox()).map((e) => e.event.type)).toEqual(['BurstRequested']);
  });

  it('creates, shows and tears down a manual burst', async () => {
    const created = await postJson('manualBurst', '/bursts', loadEvent('manual', 'burst'));
    expect(created.status).toBe(202);
    const id = json(created.text).burstId as string;
    const shown = await fetch(url('manualBurst', `/bursts/${id}`), { headers: authed });
    expect(shown.status).toBe(200);
    expect(await shown.json()).toMatchObject({ id, phase: 'Requested' });
    const deleted = await fetch(url('manualBurst', `/bursts/${id}`), { method: 'DELETE', headers: authed });
    expect(deleted.status).toBe(202);
  });
});

describe('Cloud Functions HTTP functions without credentials configured', () => {
  beforeEach(async () => configure(false));

  it('refuses to create or tear down bursts for anyone, with or without an Authorization header', async () => {
    const created = await postJson('manualBurst', '/bursts', loadEvent('manual', 'burst'), {
      'content-type': 'application/json',
    });
    const alarm = await postJson('capacityAlarm', '/alerts/gcp', loadEvent('gcp', 'incident-open'));
    const deleted = await fetch(url('manualBurst', '/bursts/b-000000000000'), {
      method: 'DELETE',
      headers: authed,
    });
    expect([created.status, alarm.status, deleted.status]).toEqual([500, 500, 500]);
    expect(json(created.text)).toEqual({ error: 'configuration error' });
    expect(await records()).toEqual([]);
  });

  it('serves without credentials when the configuration says auth: none', async () => {
    await useDeps(loadConfig({ value: configValue('none') }));
    const created = await postJson('manualBurst', '/bursts', loadEvent('manual', 'burst'), {
      'content-type': 'application/json',
    });
    expect(created.status).toBe(202);
    expect(await records()).toHaveLength(1);
  });
});

describe('Cloud Functions CloudEvent functions', () => {
  beforeEach(async () => configure());

  it('bursts on the Cloud Monitoring Pub/Sub sample delivered as a structured CloudEvent', async () => {
    const res = await postStructured(url('capacityAlarmPubSub'), loadEvent('gcp', 'pubsub-incident-open'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ decision: 'burst' });
    expect(await records()).toHaveLength(1);
    expect(await outbox()).toEqual([]);
  });

  it('bursts on the same sample delivered as a binary CloudEvent', async () => {
    const sample = loadEvent('gcp', 'pubsub-incident-open') as Record<string, unknown>;
    const res = await postBinary(url('capacityAlarmPubSub'), sample);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ decision: 'burst' });
    expect(await records()).toHaveLength(1);
  });

  it('ignores the Cloud Monitoring test notification arriving over Pub/Sub', async () => {
    const res = await postStructured(
      url('capacityAlarmPubSub'),
      pubSubCloudEvent(loadEvent('gcp', 'test-notification')),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      decision: 'ignored',
      why: expect.stringContaining('test notification'),
    });
    expect(await records()).toEqual([]);
  });

  it.each(['gcp-pubsub-not-base64', 'gcp-pubsub-not-json'])(
    'acknowledges events/invalid/%s (redelivery would not help) and changes nothing',
    async (name) => {
      const res = await postStructured(url('capacityAlarmPubSub'), loadEvent('invalid', name));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ignored: true, why: expect.stringContaining('message.data') });
      expect(await records()).toEqual([]);
    },
  );

  async function requested(): Promise<LifecycleEvent> {
    const created = await postJson('capacityAlarm', '/alerts/gcp', loadEvent('gcp', 'incident-open'));
    const record = (await records()).find((r) => r.id === json(created.text).burstId)!;
    return {
      id: `${record.id}:BurstRequested:1`,
      type: 'BurstRequested',
      burstId: record.id,
      phase: 'Requested',
      at: record.createdAt,
    };
  }

  it('provisions on a BurstRequested message from the lifecycle topic', async () => {
    const event = await requested();
    const res = await postStructured(
      url('provision'),
      pubSubCloudEvent(event, { type: 'BurstRequested', source: 'clusterburst.lifecycle' }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: 'moved', to: 'Provisioning' });
    expect((await records())[0]!.phase).toBe('Provisioning');
  });

  it('acknowledges a lifecycle event meant for another step without acting', async () => {
    const event = await requested();
    const res = await postBinary(url('federate'), pubSubCloudEvent(event, { type: 'BurstRequested' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: 'noop' });
    expect((await records())[0]!.phase).toBe('Requested');
  });

  it('acknowledges a message whose attributes contradict its event', async () => {
    const event = await requested();
    const res = await postStructured(url('provision'), pubSubCloudEvent(event, { type: 'ClusterReady' }));
    expect(await res.json()).toMatchObject({
      ignored: true,
      why: expect.stringContaining('attributes.type'),
    });
    expect((await records())[0]!.phase).toBe('Requested');
  });

  it('answers 500 on a retryable provider error so Pub/Sub redelivers', async () => {
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
    await useDeps(loadConfig({ value: configValue(true) }), {
      overrides: { providers: new Map([['simulated', throttled]]) },
    });
    const res = await postStructured(url('provision'), pubSubCloudEvent(event));
    expect(res.status).toBe(500);
    expect((await records())[0]!.phase).toBe('Requested');
  });

  it('answers 500 to a lifecycle message when the bus refuses the event its step wrote, so Pub/Sub redelivers', async () => {
    const event = await requested();
    await useDeps(loadConfig({ value: configValue(true) }), { overrides: { bus: downBus } });
    const res = await postStructured(url('provision'), pubSubCloudEvent(event));
    expect(res.status).toBe(500);
    expect((await records())[0]!.phase).toBe('Provisioning');
    expect((await outbox()).map((e) => e.event.type)).toEqual(['ClusterProvisioning']);
  });
});

describe('Cloud Functions for Cloud Scheduler', () => {
  beforeEach(async () => configure(false));

  it('runs reconcile on a POST and answers its report', async () => {
    const res = await fetch(url('reconcile'), { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ task: 'reconcile', result: { published: 0 } });
  });

  it('answers 405 to anything but POST', async () => {
    const res = await fetch(url('scaleDown'));
    expect(res.status).toBe(405);
  });
});
