import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatedProvider } from '../../shared/drivers/provider/simulated.ts';
import { loadEvent } from '../support/events.ts';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';

const run = promisify(execFile);

describe('local runtime: a burst from alarm to Deleted', () => {
  let rt: TestRuntime;
  afterEach(async () => rt?.close());

  it('turns a firing Alertmanager group into one Active cluster within 10 s, and tears it down after resolve', async () => {
    rt = await startTestRuntime({
      providers: [
        {
          name: 'simulated',
          driver: 'simulated',
          regions: ['local'],
          pricePerNodeHour: 0.1,
          options: { readyAfterMs: 2000 },
        },
      ],
      policy: {
        scaleDownWindowSeconds: 1,
        minLifetimeSeconds: 0,
        scaleDownDelayAfterAddSeconds: 0,
        drainTimeoutSeconds: 5,
      },
    });
    const started = Date.now();
    const fired = await rt.request('POST', '/alerts/alertmanager', loadEvent('alertmanager', 'firing'));
    expect(fired.status).toBe(202);
    expect(fired.body.decision).toBe('burst');
    const id: string = fired.body.burstId;

    const active = await rt.waitForPhase(id, 'Active', 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(active.history.map((h: { phase: string }) => h.phase)).toEqual([
      'Requested',
      'Provisioning',
      'Ready',
      'Joined',
      'Active',
    ]);
    for (const h of active.history) {
      expect(Date.parse(h.at)).not.toBeNaN();
      expect(h.why.length).toBeGreaterThan(5);
    }
    const provider = rt.deps.providers.get('simulated') as SimulatedProvider;
    const endpoint: string = active.endpoint;
    // The endpoint is the cluster's API server (control plane): a user request there is refused.
    expect((await fetch(endpoint)).status).toBe(401);
    expect((await rt.request('GET', '/bursts')).body.bursts).toHaveLength(1);

    const resolved = await rt.request('POST', '/alerts/alertmanager', loadEvent('alertmanager', 'resolved'));
    expect(resolved.body).toMatchObject({ decision: 'resolved', resolved: [id] });
    await new Promise((r) => setTimeout(r, 1100));
    const down = await rt.request('POST', '/schedule/scale-down');
    expect(down.body.decision.drain).toEqual([id]);

    const deleted = await rt.waitForPhase(id, 'Deleted', 15_000);
    expect(deleted.history.map((h: { phase: string }) => h.phase).slice(-4)).toEqual([
      'Draining',
      'Leaving',
      'Deleting',
      'Deleted',
    ]);
    await expect(fetch(endpoint)).rejects.toThrow();
    expect(provider.running()).toEqual([]);

    const { stdout } = await run('node', ['bin/clusterburst.js', '--url', rt.url, 'status', id]);
    for (const phase of ['Requested', 'Provisioning', 'Active', 'Draining', 'Deleted'])
      expect(stdout).toContain(phase);
    expect(stdout).toContain('scale-down:');
  });

  it('routes an Active burst through DNS and the gateway, and removes both on teardown', async () => {
    rt = await startTestRuntime({
      providers: [
        {
          name: 'simulated',
          driver: 'simulated',
          regions: ['local'],
          pricePerNodeHour: 0.1,
          options: { readyAfterMs: 0 },
        },
      ],
    });
    const { body } = await rt.request('POST', '/bursts', { reason: 'conference week', ttl: '2h' });
    const active = await rt.waitForPhase(body.burstId, 'Active');
    expect(active.expiresAt).toBeDefined();
    expect(await rt.deps.dns.listOwned('local')).toHaveLength(1);
    const [server] = await rt.deps.gateway.listOwned();
    expect(server).toMatchObject({ backend: 'web', server: active.name, state: 'ready' });

    const del = await rt.request('DELETE', `/bursts/${body.burstId}`);
    expect(del.status).toBe(202);
    await rt.waitForPhase(body.burstId, 'Deleted');
    expect(await rt.deps.dns.listOwned('local')).toEqual([]);
    expect(await rt.deps.gateway.listOwned()).toEqual([]);
    expect(await rt.deps.federation.list('local')).toEqual([]);
  });

  it('fails a burst whose cluster fails at the provider, after cleaning up', async () => {
    rt = await startTestRuntime({
      providers: [
        {
          name: 'simulated',
          driver: 'simulated',
          regions: ['local'],
          pricePerNodeHour: 0.1,
          options: { readyAfterMs: 60_000 },
        },
      ],
    });
    const { body } = await rt.request('POST', '/bursts', { reason: 'will fail' });
    const record = await rt.waitForPhase(body.burstId, 'Provisioning');
    (rt.deps.providers.get('simulated') as SimulatedProvider).fail(record.name, 'no capacity in zone');
    const failed = await rt.waitForPhase(body.burstId, 'Failed');
    expect(failed.lastError).toContain('no capacity in zone');
    expect(await rt.deps.providers.get('simulated')!.list('local')).toEqual([]);
  });
});
