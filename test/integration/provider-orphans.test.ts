import { afterEach, describe, expect, it, vi } from 'vitest';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../shared/domain/names.ts';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import {
  EMULATED_KINDS,
  type EmulatedKind,
  type EmulatedOptions,
  type EmulatedProvider,
  startEmulatedProvider,
} from '../support/provider-apis/clock.ts';
import { StubFederation } from '../support/stub-federation.ts';

const OWNER = 'ri-lisbon';
const ORPHAN = { name: 'cb-0ff0ff0ff0ff', burstId: 'b-0ff0ff0ff0ff' };
const UNTAGGED = 'physics-analysis';
const THEIRS = 'cb-e15e00000001';

describe('ownership and cleanup at each commercial provider (emulated API)', () => {
  let rt: TestRuntime | undefined;
  let cloud: EmulatedProvider | undefined;
  afterEach(async () => {
    cloud?.clock.stop();
    await rt?.close();
    await cloud?.close();
    rt = undefined;
    cloud = undefined;
  });

  async function start(kind: EmulatedKind, options: EmulatedOptions = {}) {
    cloud = await startEmulatedProvider(kind, options);
    rt = await startTestRuntime(
      { installation: { id: OWNER }, providers: [cloud.entry] },
      {
        overrides: {
          providers: new Map([[kind, cloud.driver]]),
          federation: new StubFederation(),
          // Emulated clusters live at public-cloud addresses; nothing may dial them from a test.
          probe: async () => true,
        },
      },
    );
    cloud.clock.start();
    return { cloud, rt };
  }

  async function activeBurst(rt: TestRuntime, reason: string) {
    const { body } = await rt.request('POST', '/bursts', { reason, nodes: 1 });
    return rt.waitForPhase(body.burstId, 'Active', 45_000);
  }

  /** A cluster of ours at the provider, tagged with a burst id whose record does not exist. */
  async function lostCluster(cloud: EmulatedProvider): Promise<void> {
    await cloud.driver.create({
      ...ORPHAN,
      owner: OWNER,
      region: cloud.region,
      nodes: 1,
      labels: { [OWNER_LABEL]: OWNER, [BURST_ID_LABEL]: ORPHAN.burstId },
    });
    let state: string | undefined;
    await vi.waitFor(
      async () => {
        if ((() => state === 'ready')()) return;
        await (async () => {
          state = (await cloud.driver.describe(ORPHAN.name))?.state;
        })();
        if (!(() => state === 'ready')()) throw new Error('condition not met');
      },
      { timeout: 45_000, interval: 200 },
    );
  }

  it.each(EMULATED_KINDS)(
    '%s: reconcile finds our cluster whose record was lost and starts deleting it, never touching untagged clusters or those of another owner',
    async (kind) => {
      const { cloud, rt } = await start(kind);
      const live = await activeBurst(rt, `kept on ${kind}`);
      await lostCluster(cloud);
      cloud.seed(UNTAGGED);
      cloud.seed(THEIRS, 'another-site');
      const others = [live.name, UNTAGGED, THEIRS];

      const report = await rt.request('POST', '/schedule/reconcile');
      expect(report.status).toBe(200);
      expect(report.body.orphans.clusters).toEqual([`${kind}/${ORPHAN.name}`]);
      expect(['deleting', undefined]).toContain((await cloud.driver.describe(ORPHAN.name))?.state);

      expect((await rt.request('POST', '/schedule/health')).status).toBe(200);
      const again = await rt.request('POST', '/schedule/reconcile');
      expect(again.status).toBe(200);
      const listed: string[] = again.body.orphans.clusters;
      expect(listed.filter((c) => c !== `${kind}/${ORPHAN.name}`)).toEqual([]);
      expect(cloud.clusterNames()).toEqual(expect.arrayContaining(others));
      expect((await rt.request('GET', `/bursts/${live.id}`)).body.phase).toBe('Active');
    },
    120_000,
  );

  it.each(EMULATED_KINDS)(
    '%s: the lost cluster is gone at the provider after scheduled reconciles',
    async (kind) => {
      const { cloud, rt } = await start(kind);
      await lostCluster(cloud);
      cloud.seed(THEIRS, 'another-site');
      await vi.waitFor(
        async () => {
          if ((() => !cloud.clusterNames().includes(ORPHAN.name))()) return;
          await (() => rt.request('POST', '/schedule/reconcile'))();
          if (!(() => !cloud.clusterNames().includes(ORPHAN.name))()) throw new Error('condition not met');
        },
        { timeout: 45_000, interval: 200 },
      );
      expect(cloud.clusterNames()).toEqual([THEIRS]);
    },
    120_000,
  );

  it.each(EMULATED_KINDS)(
    '%s: a burst whose cluster vanished at the provider fails, and its DNS, gateway and federation entries are removed',
    async (kind) => {
      const { cloud, rt } = await start(kind, { deleteMs: 0 });
      const active = await activeBurst(rt, `vanishing on ${kind}`);
      expect(await rt.deps.dns.listOwned(OWNER)).toHaveLength(1);
      expect(await rt.deps.gateway.listOwned()).toHaveLength(1);
      expect(await rt.deps.federation.list(OWNER)).toHaveLength(1);

      await cloud.deleteDirectly(active.name);
      const failed = await rt.waitForPhase(active.id, 'Failed', 45_000);
      expect(failed.lastError).toBe(`cluster ${active.name} vanished at ${kind}`);
      expect(await rt.deps.dns.listOwned(OWNER)).toEqual([]);
      expect(await rt.deps.gateway.listOwned()).toEqual([]);
      expect(await rt.deps.federation.list(OWNER)).toEqual([]);
      expect(cloud.clusterNames()).toEqual([]);
    },
    120_000,
  );
});
