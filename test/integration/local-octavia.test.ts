/**
 * The local runtime with the `octavia` gateway (emulated Keystone + Octavia) and the simulated
 * provider: the same Requested -> Active -> Deleted cycle as with the embedded gateway, seen
 * from the Octavia side.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { type OctaviaSetup, octaviaOptions, startOctavia } from '../support/octavia-harness.ts';

/** A service that may burst: marked so, in the namespace the default protection allows. */
const BURSTABLE = { burstable: true, namespace: 'clusterburst-demo' } as const;

describe('local runtime with the octavia gateway', () => {
  let rt: TestRuntime | undefined;
  let s: OctaviaSetup | undefined;
  afterEach(async () => {
    await rt?.close();
    await s?.stop();
  });

  it('adds the member disabled, enables it after the health check, drains it to weight 0 and removes it, never touching the site member', async () => {
    s = await startOctavia('ACTIVE_STANDBY');
    // An amphora reconfiguration of a second, as real ones take: the enable right after the add
    // meets PENDING_UPDATE, a 409 to retry.
    s.octavia.settleMs = 1000;
    const homeId = s.octavia.seedMember({ name: 'home-1', address: '10.0.0.11', protocol_port: 443 });
    const home = s.octavia.members().find((m) => m.id === homeId);
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
      services: [{ name: 'web', hostname: 'web.example.org', protocol: 'http', ...BURSTABLE }],
      gateway: { driver: 'octavia', options: { ...octaviaOptions(s.authUrl, s.octavia.pool.id) } },
      policy: { drainTimeoutSeconds: 60 },
    });

    const { body } = await rt.request('POST', '/bursts', { reason: 'octavia cycle' });
    const active = await rt.waitForPhase(body.burstId, 'Active');
    expect(active.history.map((h: { phase: string }) => h.phase)).toEqual([
      'Requested',
      'Provisioning',
      'Ready',
      'Joined',
      'Active',
    ]);
    expect(active.history.at(-1).why).toMatch(
      /web \(1 ready at [\d.:]+\) passed the health check.*gateway web\/.* enabled/,
    );
    expect(s.octavia.immutableRefusals).toBeGreaterThan(0);
    const mine = () => s?.octavia.members().find((m) => m.name === active.name);
    expect(mine()).toMatchObject({ admin_state_up: true, weight: 1 });
    expect(mine()?.tags).toEqual(
      expect.arrayContaining(['clusterburst-owner=local', `clusterburst-burst=${body.burstId}`]),
    );

    // Connections open in front of the pool hold the drain; once they close, the member goes.
    s.octavia.listener.activeConnections = 2;
    expect((await rt.request('DELETE', `/bursts/${body.burstId}`)).status).toBe(202);
    await rt.waitForPhase(body.burstId, 'Draining');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await rt.request('GET', `/bursts/${body.burstId}`)).body.phase).toBe('Draining');
    expect(mine()).toMatchObject({ weight: 0, operating_status: 'DRAINING' });
    s.octavia.listener.activeConnections = 0;
    const deleted = await rt.waitForPhase(body.burstId, 'Deleted');
    expect(deleted.history.map((h: { why: string }) => h.why).join('\n')).toMatch(
      /drained in \d+s with no connection left/,
    );

    // Steps run at least once: a twin run may repeat the same write, never reorder them.
    const ours = s.octavia.writes
      .filter((w) => w.member === active.name)
      .map((w) => [w.method, w.body])
      .filter((w, i, all) => i === 0 || JSON.stringify(w) !== JSON.stringify(all[i - 1]));
    expect(ours).toEqual([
      ['POST', { member: expect.objectContaining({ admin_state_up: false, weight: 1 }) }],
      ['PUT', { member: { admin_state_up: true, weight: 1 } }],
      ['PUT', { member: { weight: 0 } }],
      ['DELETE', undefined],
    ]);
    expect(s.octavia.writes.filter((w) => w.member !== active.name)).toEqual([]);
    await new Promise((r) => setTimeout(r, 1100));
    expect(s.octavia.members()).toEqual([home]);
  });
});
