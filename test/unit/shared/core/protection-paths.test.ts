import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../../shared/config/config-schema.ts';
import { reconcile } from '../../../../shared/core/reconcile.ts';
import { loadEvent } from '../../../support/events.ts';
import { type LifecycleWorld, startLifecycleWorld } from '../../../support/lifecycle-world.ts';
import { startTestRuntime, type TestRuntime } from '../../../support/local-runtime.ts';
import { RecordingFederation } from '../../../support/recording-federation.ts';

/** One service that may burst and three that may not, each for another reason. */
const SITE: ConfigInput = {
  protection: { allowedNamespaces: ['web', 'lab'] },
  services: [
    { name: 'web', hostname: 'web.example.org', burstable: true, namespace: 'web' },
    { name: 'intranet', hostname: 'intranet.example.org', namespace: 'web' },
    { name: 'genomes', hostname: 'genomes.example.org', burstable: true, namespace: 'lab' },
    { name: 'billing', hostname: 'billing.example.org', burstable: true, namespace: 'finance' },
  ],
};

function federation(): RecordingFederation {
  const fed = new RecordingFederation();
  fed.inClusterRouting = true; // no listener needed: the test is about what gets placed
  fed.namespaceLabels.lab = { 'clusterburst.io/restricted-data': 'true' };
  for (const s of ['web', 'intranet', 'genomes', 'billing'])
    fed.onMember.set(s, { desiredReplicas: 1, readyReplicas: 1 });
  return fed;
}

describe('a service not burstable, restricted or outside the allowed namespaces is never placed', () => {
  let rt: TestRuntime | undefined;
  let w: LifecycleWorld | undefined;
  afterEach(async () => {
    await rt?.close();
    await w?.close();
    rt = w = undefined;
  });

  it('on an alarm and on a manual request', async () => {
    const fed = federation();
    rt = await startTestRuntime(SITE, { overrides: { federation: fed } });
    const fired = await rt.request('POST', '/alerts/alertmanager', loadEvent('alertmanager', 'firing'));
    await rt.waitForPhase(fired.body.burstId, 'Active', 10_000);
    const manual = await rt.request('POST', '/bursts', { reason: 'conference week' });
    await rt.waitForPhase(manual.body.burstId, 'Active', 10_000);
    expect(fed.calls.filter((c) => c.method === 'place')).toHaveLength(2);
    expect(fed.placed()).toEqual(['web']);
    const plan = await rt.request('GET', '/plan');
    expect(plan.body.services).toEqual([
      { service: 'web', bursts: true, why: 'burstable, in an allowed namespace, not restricted' },
      { service: 'intranet', bursts: false, why: 'not marked burstable' },
      {
        service: 'genomes',
        bursts: false,
        why: 'namespace lab is labelled clusterburst.io/restricted-data=true (restricted data)',
      },
      { service: 'billing', bursts: false, why: 'namespace finance is not in protection.allowedNamespaces' },
    ]);
  });

  it('buys no capacity for an alarm or a manual request when no service may burst, and the plan says why', async () => {
    const fed = federation();
    // Restricted labels are read at the route; here the configuration alone lets nothing burst.
    const none: ConfigInput = {
      ...SITE,
      services: SITE.services!.filter((s) => s.name === 'intranet' || s.name === 'billing'),
    };
    rt = await startTestRuntime(none, { overrides: { federation: fed } });
    const fired = await rt.request('POST', '/alerts/alertmanager', loadEvent('alertmanager', 'firing'));
    expect(fired.body).toMatchObject({ decision: 'refused' });
    expect(fired.body.why).toMatch(
      /^no service may burst, so no capacity is bought \(intranet: not marked burstable; /,
    );
    const manual = await rt.request('POST', '/bursts', { reason: 'conference week' });
    expect(manual.body.burstId).toBeUndefined();
    expect((await rt.request('GET', '/bursts')).body.bursts).toEqual([]);
    const plan = await rt.request('GET', '/plan');
    expect(plan.body.burst).toMatchObject({
      burst: false,
      why: expect.stringMatching(/^no service may burst/),
    });
    expect(fed.calls).toEqual([]);
  });

  it('when reconcile re-drives a burst stuck before its route', async () => {
    const fed = federation();
    w = await startLifecycleWorld(SITE, { overrides: { federation: fed } });
    const burst = await w.admit();
    await w.walkTo(burst.id, 'Joined');
    w.advance(w.deps.policy.stuckAfterSeconds + 1);
    await reconcile(w.deps);
    expect((await w.record(burst.id)).phase).toBe('Active');
    expect(fed.placed()).toEqual(['web']);
  });
});
