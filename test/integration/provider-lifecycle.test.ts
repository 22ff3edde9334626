import { afterEach, describe, expect, it } from 'vitest';
import { type Json, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import {
  EMULATED_KINDS,
  type EmulatedKind,
  type EmulatedOptions,
  type EmulatedProvider,
  startEmulatedProvider,
} from '../support/provider-apis/clock.ts';
import { StubFederation } from '../support/stub-federation.ts';

const OWNER = 'ri-lisbon';

/** The credential fields each provider hands the federation at join. */
const JOIN_FIELDS: Record<EmulatedKind, readonly string[]> = {
  eks: ['caData', 'endpoint', 'token'],
  gke: ['caData', 'endpoint', 'token'],
  aks: ['caData', 'clientCertData', 'clientKeyData', 'endpoint', 'kubeconfig'],
  magnum: ['caData', 'clientCertData', 'clientKeyData', 'endpoint'],
};

const phases = (record: Json): string[] => record.history.map((h: { phase: string }) => h.phase);

describe('local runtime on each commercial provider (emulated API)', () => {
  let rt: TestRuntime | undefined;
  let cloud: EmulatedProvider | undefined;
  afterEach(async () => {
    cloud?.clock.stop();
    await rt?.close();
    await cloud?.close();
    rt = undefined;
    cloud = undefined;
  });

  async function start(
    kind: EmulatedKind,
    deadlineSeconds?: number,
    options: EmulatedOptions = {},
    probe: () => Promise<boolean> = async () => true,
  ) {
    cloud = await startEmulatedProvider(kind, options);
    const federation = new StubFederation();
    // The deadline is the provider's own (real providers default to 30 min).
    const entry = deadlineSeconds
      ? { ...cloud.entry, provisioningDeadlineSeconds: deadlineSeconds }
      : cloud.entry;
    rt = await startTestRuntime(
      { installation: { id: OWNER }, providers: [entry] },
      {
        overrides: {
          providers: new Map([[kind, cloud.driver]]),
          federation,
          // Emulated clusters live at public-cloud addresses; nothing may dial them from a test.
          probe,
        },
      },
    );
    return { cloud, rt, federation };
  }

  it.each(EMULATED_KINDS)(
    'runs a %s burst from Requested to Active and, on DELETE, to Deleted with nothing left at the provider',
    async (kind) => {
      const { cloud, rt, federation } = await start(kind);
      cloud.clock.start();
      const created = await rt.request('POST', '/bursts', { reason: `conference week on ${kind}`, nodes: 2 });
      expect(created.status).toBe(202);
      const id: string = created.body.burstId;

      const active = await rt.waitForPhase(id, 'Active', 45_000);
      expect(active).toMatchObject({ provider: kind, region: cloud.region });
      expect(phases(active)).toEqual(['Requested', 'Provisioning', 'Ready', 'Joined', 'Active']);
      expect(active.apiEndpoint).toMatch(/^https:\/\//);
      expect(cloud.clusterNames()).toContain(active.name);
      expect((await cloud.driver.list(OWNER)).map((c) => c.name)).toEqual([active.name]);
      // The federation got the provider's credentials for the cluster it joined, of this provider's kind.
      expect(federation.joins.at(-1)).toEqual({
        name: active.name,
        provider: kind,
        endpoint: active.apiEndpoint,
        fields: JOIN_FIELDS[kind],
      });
      expect(await rt.deps.dns.listOwned(OWNER)).toHaveLength(1);
      expect(await rt.deps.gateway.listOwned({ burstId: id })).toHaveLength(1);

      expect((await rt.request('DELETE', `/bursts/${id}`)).status).toBe(202);
      const deleted = await rt.waitForPhase(id, 'Deleted', 45_000);
      expect(phases(deleted).slice(-4)).toEqual(['Draining', 'Leaving', 'Deleting', 'Deleted']);
      expect(deleted.lastError).toBeUndefined();
      expect(cloud.clusterNames()).not.toContain(active.name);
      expect(await cloud.driver.list(OWNER)).toEqual([]);
      expect(await rt.deps.dns.listOwned(OWNER)).toEqual([]);
      expect(await rt.deps.gateway.listOwned()).toEqual([]);
      expect(await rt.deps.federation.list(OWNER)).toEqual([]);
    },
    120_000,
  );

  it('signs one Magnum client certificate per burst, however many health polls the route step takes', async () => {
    let probes = 0;
    // The endpoint fails its health check on the first polls, as a cluster still starting does.
    const { cloud, rt } = await start('magnum', undefined, {}, async () => ++probes > 4);
    cloud.clock.start();
    const created = await rt.request('POST', '/bursts', { reason: 'magnum health polls', nodes: 2 });
    await rt.waitForPhase(created.body.burstId, 'Active', 45_000);
    expect(probes).toBeGreaterThan(4);
    expect(cloud.certificatesIssued?.()).toBe(1);
  }, 120_000);

  it.each(EMULATED_KINDS)(
    'fails a %s burst whose provisioning outlives the deadline, and deletes the cluster at the provider',
    async (kind) => {
      const { cloud, rt } = await start(kind, 2);
      // The clock stands still: the provider never finishes provisioning by itself.
      const created = await rt.request('POST', '/bursts', { reason: `slow ${kind}`, nodes: 2 });
      const id: string = created.body.burstId;
      const provisioning = await rt.waitForPhase(id, 'Provisioning', 30_000);
      expect(cloud.clusterNames()).toContain(provisioning.name);

      const gaveUp = await waitFor(rt, id, (r) => /deadline/.test(r.lastError ?? ''), 30_000);
      expect(gaveUp.lastError).toMatch(/provisioning took longer than the 2s deadline/);
      // Let the provider work through the deletion (EKS must finish the create before it can delete).
      cloud.clock.start();
      const failed = await rt.waitForPhase(id, 'Failed', 45_000);
      expect(phases(failed)).toEqual(['Requested', 'Provisioning', 'Deleting', 'Failed']);
      expect(failed.history.some((h: { why: string }) => /2s deadline/.test(h.why))).toBe(true);
      expect(cloud.clusterNames()).not.toContain(provisioning.name);
      expect(await cloud.driver.list(OWNER)).toEqual([]);
    },
    120_000,
  );
});

/** Poll `GET /bursts/{id}` until `done` holds. */
async function waitFor(
  rt: TestRuntime,
  id: string,
  done: (record: Json) => boolean,
  timeoutMs: number,
): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  let last: Json;
  while (Date.now() < deadline) {
    last = (await rt.request('GET', `/bursts/${id}`)).body;
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`burst ${id} never got there; last: ${JSON.stringify(last)}`);
}
