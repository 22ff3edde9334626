/**
 * Emulator set-ups for the federation drivers: a control plane with its fake controller, and
 * member clusters (one emulator each, with the garbage collector played), plus the names of
 * everything a join may leave behind. Shared by the contract, fault and lifecycle tests and
 * the join/leave benchmark.
 */
import { KarmadaFederation } from '../../shared/drivers/federation/karmada.ts';
import {
  type KarmadaOptionsInput as KarmadaOptions,
  KarmadaOptionsSchema,
} from '../../shared/drivers/federation/karmada-options.ts';
import { KubefedFederation } from '../../shared/drivers/federation/kubefed.ts';
import {
  type KubefedOptionsInput as KubefedOptions,
  KubefedOptionsSchema,
} from '../../shared/drivers/federation/kubefed-options.ts';
import type { ClusterCredentials } from '../../shared/drivers/provider/provider.ts';
import { startKarmadaController } from './karmada-controller.ts';
import {
  type KubeEmulator,
  type KubeEmulatorOptions,
  type KubeObject,
  startKubeEmulator,
} from './kube-emulator/index.ts';
import { startGarbageCollector } from './kube-gc.ts';
import { burstIdOf, type NamedObject, settledLeftovers } from './kube-leftovers.ts';
import { startKubefedController } from './kubefed-controller.ts';
import { type RecordedWrite, startWriteRecorder } from './write-recorder.ts';

/** A federation driver on emulators. */
export interface FederationSetup<F> {
  readonly controlPlane: KubeEmulator;
  readonly federation: F;
  readonly members: readonly KubeEmulator[];
  /** Starts a member emulator and returns admin credentials for it. */
  member(options?: KubeEmulatorOptions): Promise<{ credentials: ClusterCredentials; emulator: KubeEmulator }>;
  /** What is left of cluster `name` anywhere, after asynchronous deletion settled (bounded). */
  leftovers(name: string, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

type Named = (name: string) => (e: KubeEmulator) => NamedObject[];

/**
 * The control plane's kubeconfig for the driver; with `record`, through a recording proxy (see
 * write-recorder.ts) whose stop is added to `stops`.
 */
async function driverKubeconfig(
  controlPlane: KubeEmulator,
  record: RecordedWrite[] | undefined,
  stops: (() => Promise<void>)[],
): Promise<string> {
  if (!record) return controlPlane.kubeconfig;
  const recorder = await startWriteRecorder(controlPlane, record);
  stops.push(() => recorder.stop());
  return controlPlane.kubeconfig.replace(controlPlane.url, recorder.url);
}

async function setup<F>(
  controlPlane: KubeEmulator,
  federation: F,
  stopController: () => void,
  named: Named,
  record?: { readonly writes: RecordedWrite[]; readonly stops: (() => Promise<void>)[] },
): Promise<FederationSetup<F>> {
  const members: KubeEmulator[] = [];
  const collectors: (() => void)[] = [];
  return {
    controlPlane,
    federation,
    members,
    async member(options = {}) {
      const emulator = await startKubeEmulator({ name: `member-${members.length + 1}`, ...options });
      collectors.push(startGarbageCollector(emulator));
      members.push(emulator);
      let endpoint = emulator.url;
      if (record) {
        // Everything sent to the member (join, and the federation's pushes) is recorded too.
        const recorder = await startWriteRecorder(emulator, record.writes);
        record.stops.push(() => recorder.stop());
        endpoint = recorder.url;
      }
      return { emulator, credentials: { endpoint, token: emulator.token } };
    },
    leftovers: (name, timeoutMs) =>
      settledLeftovers([controlPlane, ...members], burstIdOf(name), named(name), timeoutMs),
    async stop() {
      stopController();
      for (const c of collectors) c();
      for (const stop of record?.stops ?? []) await stop();
      await Promise.all([controlPlane, ...members].map((e) => e.stop()));
    },
  };
}

const secret = (namespace: string, name: string): NamedObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  namespace,
  name,
});
const sa = (namespace: string, name: string): NamedObject => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  namespace,
  name,
});
const rbac = (kind: string, name: string): NamedObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  name,
});
const namespace = (name: string): NamedObject => ({ apiVersion: 'v1', kind: 'Namespace', name });

/** Karmada: a karmada-apiserver emulator with the fake cluster controller. */
export async function startKarmadaSetup(
  options: Partial<KarmadaOptions> & {
    readonly releaseDelayMs?: number;
    /** Record every write to the control plane and the members here. */
    readonly record?: RecordedWrite[];
  } = {},
): Promise<FederationSetup<KarmadaFederation>> {
  const { releaseDelayMs, record, ...driverOptions } = options;
  const controlPlane = await startKubeEmulator({ name: 'karmada-apiserver' });
  const controller = startKarmadaController(controlPlane, { releaseDelayMs: releaseDelayMs ?? 50 });
  const stops: (() => Promise<void>)[] = [];
  const kubeconfig = await driverKubeconfig(controlPlane, record, stops);
  const federation = new KarmadaFederation(KarmadaOptionsSchema.parse({ kubeconfig, ...driverOptions }));
  return setup(
    controlPlane,
    federation,
    () => controller.stop(),
    (name) => (e) =>
      e === controlPlane
        ? [
            { apiVersion: 'cluster.karmada.io/v1alpha1', kind: 'Cluster', name },
            secret('karmada-cluster', name),
            secret('karmada-cluster', `${name}-impersonator`),
            namespace(`karmada-es-${name}`),
            // Placement (issue 11): the rebalancers of this member's place and unplace.
            { apiVersion: 'apps.karmada.io/v1alpha1', kind: 'WorkloadRebalancer', name: `${name}-place` },
            { apiVersion: 'apps.karmada.io/v1alpha1', kind: 'WorkloadRebalancer', name: `${name}-unplace` },
          ]
        : [
            namespace('karmada-cluster'),
            sa('karmada-cluster', `karmada-${name}`),
            sa('karmada-cluster', 'karmada-impersonator'),
            secret('karmada-cluster', `karmada-${name}`),
            secret('karmada-cluster', 'karmada-impersonator'),
            rbac('ClusterRole', `karmada-controller-manager:karmada-${name}`),
            rbac('ClusterRoleBinding', `karmada-controller-manager:karmada-${name}`),
          ],
    record && { writes: record, stops },
  );
}

/** KubeFed: a host cluster emulator with the fake KubeFed cluster controller. */
export async function startKubefedSetup(
  all: Partial<KubefedOptions> & { readonly record?: RecordedWrite[] } = {},
): Promise<FederationSetup<KubefedFederation>> {
  const { record, ...options } = all;
  const controlPlane = await startKubeEmulator({
    name: 'kubefed-host',
    namespaces: ['kube-federation-system'],
  });
  const controller = startKubefedController(controlPlane);
  const stops: (() => Promise<void>)[] = [];
  const kubeconfig = await driverKubeconfig(controlPlane, record, stops);
  const federation = new KubefedFederation(KubefedOptionsSchema.parse({ kubeconfig, ...options }));
  const host = options.hostClusterName ?? 'host';
  return setup(
    controlPlane,
    federation,
    () => controller.stop(),
    (name) => (e) =>
      e === controlPlane
        ? [
            {
              apiVersion: 'core.kubefed.io/v1beta1',
              kind: 'KubeFedCluster',
              namespace: 'kube-federation-system',
              name,
            },
            secret('kube-federation-system', name),
          ]
        : [
            namespace('kube-federation-system'),
            sa('kube-federation-system', `${name}-${host}`),
            secret('kube-federation-system', `${name}-${host}`),
            rbac('ClusterRole', `kubefed-controller-manager:${name}-${host}`),
            rbac('ClusterRoleBinding', `kubefed-controller-manager:${name}-${host}`),
          ],
    record && { writes: record, stops },
  );
}

/**
 * A home cluster of the site, joined to Karmada by the site (not by clusterburst: no owner
 * label): a member emulator, its token Secret and a push-mode `Cluster` labelled `labels`.
 */
export async function karmadaHomeCluster(
  s: FederationSetup<KarmadaFederation>,
  name: string,
  labels: Readonly<Record<string, string>> = { 'site.example.org/home': 'true' },
): Promise<KubeEmulator> {
  const { emulator } = await s.member({ name });
  const token = Buffer.from(emulator.token).toString('base64');
  if (!s.controlPlane.get({ apiVersion: 'v1', kind: 'Namespace', name: 'karmada-cluster' }))
    s.controlPlane.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'karmada-cluster' } });
  s.controlPlane.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'karmada-cluster' },
    data: { token },
  });
  s.controlPlane.create({
    apiVersion: 'cluster.karmada.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name, labels: { ...labels } },
    spec: {
      syncMode: 'Push',
      apiEndpoint: emulator.url,
      secretRef: { namespace: 'karmada-cluster', name },
    },
  });
  return emulator;
}

/** The site's own PropagationPolicy for service `name`: its Deployment and Service on `clusters`, Divided. */
export function karmadaSitePolicy(namespace: string, name: string, clusters: readonly string[]): KubeObject {
  return {
    apiVersion: 'policy.karmada.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name: `site-${name}`, namespace },
    spec: {
      resourceSelectors: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name },
        { apiVersion: 'v1', kind: 'Service', name },
      ],
      placement: {
        clusterAffinity: { clusterNames: [...clusters] },
        replicaScheduling: { replicaSchedulingType: 'Divided', replicaDivisionPreference: 'Weighted' },
      },
    },
  };
}

/** A home cluster the site joined to KubeFed (no owner label): member emulator, Secret, KubeFedCluster. */
export async function kubefedHomeCluster(
  s: FederationSetup<KubefedFederation>,
  name: string,
): Promise<KubeEmulator> {
  const { emulator } = await s.member({ name });
  const namespace = 'kube-federation-system';
  const token = Buffer.from(emulator.token).toString('base64');
  s.controlPlane.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: { token } });
  s.controlPlane.create({
    apiVersion: 'core.kubefed.io/v1beta1',
    kind: 'KubeFedCluster',
    metadata: { name, namespace, labels: { 'site.example.org/home': 'true' } },
    spec: { apiEndpoint: emulator.url, secretRef: { name } },
  });
  return emulator;
}

/**
 * The site's federated objects for templates made by `serviceTemplates`: a FederatedDeployment
 * on `homes` and a FederatedService on every cluster (`clusterSelector: {}`).
 */
export function kubefedSiteObjects(templates: readonly KubeObject[], homes: readonly string[]): KubeObject[] {
  return templates.map((t) => ({
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: `Federated${t.kind}`,
    metadata: { name: t.metadata.name, namespace: t.metadata.namespace },
    spec: {
      template: { metadata: { labels: t.metadata.labels }, spec: t.spec },
      placement:
        t.kind === 'Deployment' ? { clusters: homes.map((name) => ({ name })) } : { clusterSelector: {} },
    },
  }));
}
