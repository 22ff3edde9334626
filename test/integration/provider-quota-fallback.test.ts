import { afterEach, describe, expect, it } from 'vitest';
import { type Json, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import {
  type EmulatedProvider,
  QUOTA_SHORTAGE,
  startEmulatedProvider,
} from '../support/provider-apis/clock.ts';
import { StubFederation } from '../support/stub-federation.ts';

const OWNER = 'ri-lisbon';

const phases = (record: Json): string[] => record.history.map((h: { phase: string }) => h.phase);

describe('quota fallback across commercial providers (emulated APIs)', () => {
  let rt: TestRuntime | undefined;
  const clouds: EmulatedProvider[] = [];
  afterEach(async () => {
    for (const cloud of clouds) cloud.clock.stop();
    await rt?.close();
    for (const cloud of clouds.splice(0)) await cloud.close();
    rt = undefined;
  });

  it('replaces a burst whose cluster the cheaper provider fails for quota after create with one on the next provider', async () => {
    // Magnum is the cheaper offer but its project is out of Nova cores; AKS costs more and has room.
    const magnum = await startEmulatedProvider('magnum', { quotaShortage: true });
    const aks = await startEmulatedProvider('aks');
    clouds.push(magnum, aks);
    rt = await startTestRuntime(
      {
        installation: { id: OWNER },
        providers: [
          { ...magnum.entry, pricePerNodeHour: 0.1 },
          { ...aks.entry, pricePerNodeHour: 0.4 },
        ],
      },
      {
        overrides: {
          providers: new Map([
            ['magnum', magnum.driver],
            ['aks', aks.driver],
          ]),
          federation: new StubFederation(),
          // Emulated clusters live at public-cloud addresses; nothing may dial them from a test.
          probe: async () => true,
        },
      },
    );
    magnum.clock.start();
    aks.clock.start();

    const created = await rt.request('POST', '/bursts', { reason: 'conference week', nodes: 2 });
    expect(created.status).toBe(202);
    const firstId: string = created.body.burstId;

    const failed = await rt.waitForPhase(firstId, 'Failed', 45_000);
    expect(failed.provider).toBe('magnum');
    expect(phases(failed)).toEqual(['Requested', 'Provisioning', 'Failed']);
    const replacementId = /replaced by (b-[0-9a-f]+)$/.exec(failed.lastError)?.[1] ?? '';
    expect(replacementId).not.toBe(firstId);
    // The provider's own words (Heat's reason and the failed resource) are the why.
    const cores = QUOTA_SHORTAGE.magnum.message;
    expect(failed.lastError).toBe(
      `quota at magnum (CREATE_FAILED: ${cores}; kube_masters: ${cores}); replaced by ${replacementId}`,
    );

    const active = await rt.waitForPhase(replacementId, 'Active', 45_000);
    expect(active).toMatchObject({ provider: 'aks', region: aks.region, excludedProviders: ['magnum'] });
    expect(phases(active)).toEqual(['Requested', 'Provisioning', 'Ready', 'Joined', 'Active']);
    expect(aks.clusterNames()).toEqual([active.name]);
    expect((await aks.driver.list(OWNER)).map((c) => [c.name, c.state])).toEqual([[active.name, 'ready']]);

    // The failed cluster was deleted at Magnum: once its deletion has run, nothing of ours is left there.
    const deadline = Date.now() + 30_000;
    while (magnum.clusterNames().length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(magnum.clusterNames()).toEqual([]);
    expect(await magnum.driver.list(OWNER)).toEqual([]);

    // One burst is live, on AKS: the failed one is not counted and not re-driven.
    const { bursts } = (await rt.request('GET', '/bursts')).body as Json;
    const live = bursts.filter((b: Json) => !['Failed', 'Deleted'].includes(b.phase));
    expect(live.map((b: Json) => [b.id, b.provider])).toEqual([[replacementId, 'aks']]);
  }, 120_000);

  it('reaches the third provider when the two cheaper ones both fail for quota, each failure naming its own replacement', async () => {
    const magnum = await startEmulatedProvider('magnum', { quotaShortage: true });
    const gke = await startEmulatedProvider('gke', { quotaShortage: true });
    const aks = await startEmulatedProvider('aks');
    clouds.push(magnum, gke, aks);
    rt = await startTestRuntime(
      {
        installation: { id: OWNER },
        providers: [
          { ...magnum.entry, pricePerNodeHour: 0.1 },
          { ...gke.entry, pricePerNodeHour: 0.2 },
          { ...aks.entry, pricePerNodeHour: 0.4 },
        ],
      },
      {
        overrides: {
          providers: new Map([
            ['magnum', magnum.driver],
            ['gke', gke.driver],
            ['aks', aks.driver],
          ]),
          federation: new StubFederation(),
          probe: async () => true,
        },
      },
    );
    for (const cloud of clouds) cloud.clock.start();

    const created = await rt.request('POST', '/bursts', { reason: 'conference week', nodes: 2 });
    const firstId: string = created.body.burstId;
    const first = await rt.waitForPhase(firstId, 'Failed', 45_000);
    expect(first.provider).toBe('magnum');
    const secondId = /replaced by (b-[0-9a-f]+)$/.exec(first.lastError)?.[1] ?? '';
    const second = await rt.waitForPhase(secondId, 'Failed', 45_000);
    expect(second).toMatchObject({ provider: 'gke', replaces: firstId, excludedProviders: ['magnum'] });
    const thirdId = /replaced by (b-[0-9a-f]+)$/.exec(second.lastError)?.[1] ?? '';
    expect([firstId, secondId]).not.toContain(thirdId);

    const active = await rt.waitForPhase(thirdId, 'Active', 45_000);
    expect(active).toMatchObject({
      provider: 'aks',
      replaces: secondId,
      excludedProviders: ['magnum', 'gke'],
    });
    expect((await aks.driver.list(OWNER)).map((c) => c.name)).toEqual([active.name]);
  }, 150_000);
});
