import { beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as alarmHandler } from '../../functions/lambda/capacityAlarm.ts';
import { handler as manualHandler } from '../../functions/lambda/manualBurst.ts';
import { lazyDeps, useDeps } from '../../shared/runtime/lazy-deps.ts';
import { listEvents, loadEvent } from '../support/events.ts';
import {
  authed,
  call,
  configure,
  outbox,
  post,
  records,
  TOKEN,
  useLambdaWorld,
} from '../support/lambda-world.ts';

useLambdaWorld();

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
    const file = process.env.CLUSTERBURST_CONFIG!;
    process.env.CLUSTERBURST_CONFIG = `${file}.missing`;
    await useDeps();
    const broken = await call(
      alarmHandler,
      post('/alerts/alertmanager', loadEvent('alertmanager', 'firing')),
    );
    expect(broken).toEqual({ status: 500, body: { error: 'configuration error' } });
    process.env.CLUSTERBURST_CONFIG = file;
    const fixed = await call(alarmHandler, post('/alerts/alertmanager', loadEvent('alertmanager', 'firing')));
    expect(fixed.status).toBe(202);
  });
});
