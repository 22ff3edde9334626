/**
 * A teardown never wedges on a member cluster that cannot be reached: the real Karmada and
 * KubeFed drivers on emulated control planes (with their fake controllers), the Cluster API
 * provider on an emulated management cluster, and the lifecycle steps themselves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load-config.ts';
import type { Deps } from '../../shared/core/deps.ts';
import { checkProvisioning } from '../../shared/core/steps/check-provisioning.ts';
import { deleteCluster } from '../../shared/core/steps/delete-cluster.ts';
import { drain } from '../../shared/core/steps/drain.ts';
import { federate } from '../../shared/core/steps/federate.ts';
import { finalize } from '../../shared/core/steps/finalize.ts';
import { provision } from '../../shared/core/steps/provision.ts';
import type { BurstCluster } from '../../shared/domain/burst-cluster.ts';
import type { Phase } from '../../shared/domain/lifecycle.ts';
import type { FederationDriver } from '../../shared/drivers/federation/federation.ts';
import { ClusterApiProvider } from '../../shared/drivers/provider/clusterapi.ts';
import { ClusterApiOptionsSchema } from '../../shared/drivers/provider/clusterapi-options.ts';
import { SqliteStore } from '../../shared/drivers/store/sqlite.ts';
import { closeDeps, createDeps } from '../../shared/runtime/create-deps.ts';
import { createLogger } from '../../shared/runtime/logger.ts';
import { type CapiController, startCapiController } from '../support/capi-controller.ts';
import { type FederationSetup, startKarmadaSetup, startKubefedSetup } from '../support/federation-harness.ts';
import { type KubeEmulator, startKubeEmulator } from '../support/kube-emulator/index.ts';
import { makeRecord } from '../support/records.ts';

const NS = 'clusterburst-system';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface World {
  readonly deps: Deps;
  readonly capi: CapiController;
  readonly management: KubeEmulator;
  readonly federation: FederationSetup<FederationDriver>;
  advance(seconds: number): void;
  stop(): Promise<void>;
}

async function startWorld(kind: 'karmada' | 'kubefed'): Promise<World> {
  const management = await startKubeEmulator({ name: 'management', namespaces: [NS] });
  const capi = startCapiController(management, { provisionDelayMs: 50, deleteDelayMs: 50 });
  const federation: FederationSetup<FederationDriver> =
    kind === 'karmada' ? await startKarmadaSetup() : await startKubefedSetup();
  let offset = 0;
  const capiOptions = {
    kubeconfig: management.kubeconfig,
    namespace: NS,
    classRef: { name: 'burst' },
    kubernetesVersion: 'v1.33.1',
    regionVariable: 'region',
  };
  const deps = await createDeps(
    loadConfig({
      value: {
        logLevel: 'ERROR',
        providers: [
          {
            name: 'capi',
            driver: 'clusterapi',
            regions: ['eu-1'],
            pricePerNodeHour: 0.2,
            options: capiOptions,
          },
        ],
        policy: { leaveDeadlineSeconds: 600 },
      },
    }),
    {
      logger: createLogger('ERROR'),
      overrides: {
        store: new SqliteStore(':memory:'),
        federation: federation.federation,
        providers: new Map([
          ['capi', new ClusterApiProvider('capi', ClusterApiOptionsSchema.parse(capiOptions))],
        ]),
        now: () => new Date(Date.now() + offset * 1000),
      },
    },
  );
  return {
    deps,
    capi,
    management,
    federation,
    advance: (seconds) => {
      offset += seconds;
    },
    async stop() {
      await closeDeps(deps);
      await capi.stop();
      await federation.stop();
      await management.stop();
    },
  };
}

/** Runs `step` until the burst is no longer in `phase` (bounded); step errors count as waiting. */
async function stepOut(w: World, id: string, phase: Phase, step: (d: Deps, id: string) => Promise<unknown>) {
  for (let i = 0; i < 200; i++) {
    const r = (await w.deps.store.get(id))!;
    if (r.phase !== phase) return r;
    await step(w.deps, id).catch(() => undefined);
    await sleep(25);
  }
  throw new Error(`burst ${id} stayed ${phase}`);
}

/** A burst on Cluster API joined to the federation, then asked to go: it is Leaving. */
async function leavingBurst(w: World): Promise<BurstCluster> {
  const at = new Date().toISOString();
  const admitted = await w.deps.store.admit('alertmanager:test', () => ({
    admit: true,
    record: makeRecord({
      provider: 'capi',
      region: 'eu-1',
      owner: w.deps.owner,
      createdAt: at,
      updatedAt: at,
    }),
    events: [],
  }));
  if (!admitted.admitted) throw new Error(admitted.why);
  const id = admitted.record.id;
  await stepOut(w, id, 'Requested', provision);
  await stepOut(w, id, 'Provisioning', checkProvisioning);
  const joined = await stepOut(w, id, 'Ready', federate);
  expect(joined.phase).toBe('Joined');
  await drain(w.deps, id, 'teardown requested by an operator');
  const leaving = (await w.deps.store.get(id))!;
  expect(leaving.phase).toBe('Leaving');
  return leaving;
}

/** Objects of the burst that remain on the federation's control plane. */
const onControlPlane = (w: World, burst: BurstCluster) =>
  w.federation.controlPlane
    .objects({ labelSelector: `clusterburst.io/burst-id=${burst.id}` })
    .map((o) => `${o.kind} ${o.metadata.name}`);

describe.each(['karmada', 'kubefed'] as const)(
  'a teardown never wedges on an unreachable %s member',
  (kind) => {
    let w: World;
    afterEach(async () => w?.stop());

    it('leaves with force and deletes the cluster at once when the provider reports it failed', async () => {
      w = await startWorld(kind);
      const burst = await leavingBurst(w);
      await w.capi.members.get(burst.name)!.stop(); // the member is gone with its failed machines
      w.capi.fail(burst.name, 'control plane machines unhealthy');
      const deleting = await stepOut(w, burst.id, 'Leaving', deleteCluster);
      expect(deleting.phase).toBe('Deleting');
      expect(deleting.history.at(-1)!.why).toMatch(/provider reports the cluster failed/);
      const closed = await stepOut(w, burst.id, 'Deleting', finalize);
      expect(closed.phase).toBe('Deleted');
      expect(
        w.management.objects({ kind: 'Cluster', labelSelector: `clusterburst.io/burst-id=${burst.id}` }),
      ).toEqual([]);
      expect(onControlPlane(w, burst)).toEqual([]);
    }, 60_000);

    it('waits for an orderly leave while the cluster looks healthy, then past the leave deadline leaves with force and deletes it', async () => {
      w = await startWorld(kind);
      const burst = await leavingBurst(w);
      await w.capi.members.get(burst.name)!.stop(); // network cut: the provider still reports it ready
      for (let i = 0; i < 10; i++) {
        await deleteCluster(w.deps, burst.id).catch(() => undefined);
        await sleep(25);
      }
      expect((await w.deps.store.get(burst.id))!.phase).toBe('Leaving');
      w.advance(601);
      const deleting = await stepOut(w, burst.id, 'Leaving', deleteCluster);
      expect(deleting.phase).toBe('Deleting');
      expect(deleting.history.at(-1)!.why).toMatch(/600s leave deadline/);
      const closed = await stepOut(w, burst.id, 'Deleting', finalize);
      expect(closed.phase).toBe('Deleted');
      expect(onControlPlane(w, burst)).toEqual([]);
    }, 60_000);
  },
);
