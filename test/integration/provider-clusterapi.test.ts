import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { loadConfig } from '../../shared/config/load-config.ts';
import { ClusterApiProvider } from '../../shared/drivers/provider/clusterapi.ts';
import { ClusterApiOptionsSchema } from '../../shared/drivers/provider/clusterapi-options.ts';
import type { ClusterSpec } from '../../shared/drivers/provider/provider.ts';
import { ConfigError, DriverError } from '../../shared/errors.ts';
import { CAPI_CLUSTER_CRD, startCapiController } from '../support/capi-controller.ts';
import { pollCluster, runProviderContract } from '../support/contracts/provider.ts';
import {
  crdManifest,
  deniedRequests,
  type KubeEmulator,
  type KubeObject,
  type PolicyRule,
  requestAttributes,
  startKubeEmulator,
} from '../support/kube-emulator/index.ts';
import { burstId } from '../support/records.ts';

const NS = 'clusterburst-system';
const tick = () => new Promise<void>((r) => setTimeout(r, 20));
const options = (management: KubeEmulator) => ({
  kubeconfig: management.kubeconfig,
  classRef: { name: 'burst-class' },
  kubernetesVersion: 'v1.33.1',
  controlPlaneReplicas: 3,
  workerClass: 'default-worker',
  variables: { instanceType: 'm5.large', spot: false },
  regionVariable: 'region',
});

runProviderContract('clusterapi (emulator)', async () => {
  const management = await startKubeEmulator({ name: 'management', namespaces: [NS] });
  const controller = startCapiController(management, {
    provisionDelayMs: 60,
    deleteDelayMs: 60,
    // Long enough that the resize in progress is seen on a loaded machine.
    scaleDelayMs: 1000,
  });
  return {
    provider: new ClusterApiProvider('capi', ClusterApiOptionsSchema.parse(options(management))),
    region: 'eu-1',
    tick,
    resizeRequests: (name) => controller.scalings.get(name) ?? 0,
    cleanup: async () => {
      await controller.stop();
      await management.stop();
    },
  };
});

describe('clusterapi provider on an emulated management cluster', () => {
  let management: KubeEmulator;
  afterEach(async () => management?.stop());

  const spec = (): ClusterSpec => {
    const id = burstId();
    return {
      name: `cb-${id.slice(2)}`,
      burstId: id,
      owner: 'test-owner',
      region: 'eu-1',
      nodes: 4,
      labels: {
        'clusterburst.io/owner': 'test-owner',
        'clusterburst.io/burst-id': id,
        'clusterburst.io/burst': 'true',
      },
    };
  };
  const start = async () => {
    management = await startKubeEmulator({ name: 'management', namespaces: [NS] });
    management.create(crdManifest(CAPI_CLUSTER_CRD));
    return new ClusterApiProvider('capi', ClusterApiOptionsSchema.parse(options(management)));
  };
  const cluster = (name: string) =>
    management.get({ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', namespace: NS, name })!;

  it('asks for a ClusterClass topology with the configured class, version, replicas and variables', async () => {
    const provider = await start();
    const s = spec();
    expect(await provider.create(s)).toMatchObject({ name: s.name, state: 'provisioning', region: 'eu-1' });
    expect(cluster(s.name).spec).toEqual({
      topology: {
        classRef: { name: 'burst-class', namespace: NS },
        version: 'v1.33.1',
        controlPlane: { replicas: 3 },
        workers: { machineDeployments: [{ class: 'default-worker', name: 'md-0', replicas: 4 }] },
        variables: [
          { name: 'instanceType', value: 'm5.large' },
          { name: 'spot', value: false },
          { name: 'region', value: 'eu-1' },
        ],
      },
    });
    expect(cluster(s.name).metadata.labels).toEqual(s.labels);
  });

  it('maps phases and the Available condition to the lifecycle', async () => {
    const provider = await start();
    const s = spec();
    await provider.create(s);
    const ref = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', namespace: NS, name: s.name };
    const available = (status: string) => [
      { type: 'Available', status, reason: status === 'True' ? 'Available' : 'NotYet' },
    ];
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ phase: 'Pending' }, 'provisioning', /^Pending$/],
      [
        { phase: 'Provisioning', conditions: available('False') },
        'provisioning',
        /Available False \(NotYet\)/,
      ],
      [{ phase: 'Provisioned', conditions: available('False') }, 'provisioning', /^Provisioned/],
      [
        { phase: 'Provisioned', conditions: available('True') },
        'provisioning',
        /waiting for Secret .*-kubeconfig/,
      ],
      [{ phase: 'Failed', conditions: available('False') }, 'failed', /^Failed/],
      [{ phase: 'Deleting' }, 'deleting', /^Deleting/],
    ];
    for (const [status, state, message] of cases) {
      management.patch(ref, { status: { conditions: [], ...status } }, { subresource: 'status' });
      const described = await provider.describe(s.name);
      expect({ phase: status.phase, state: described?.state }).toEqual({ phase: status.phase, state });
      expect(described?.message).toMatch(message);
    }
    management.patch(
      ref,
      { status: { phase: 'Provisioned', conditions: available('True') } },
      { subresource: 'status' },
    );
    management.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${s.name}-kubeconfig`, namespace: NS },
      data: { value: Buffer.from(management.kubeconfig).toString('base64') },
    });
    expect(await provider.describe(s.name)).toMatchObject({ state: 'ready', endpoint: management.url });
  });

  it('hands out credentials parsed from the <cluster>-kubeconfig Secret, and waits for it', async () => {
    const provider = await start();
    const s = spec();
    await provider.create(s);
    const missing = await provider.credentials(s.name).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DriverError);
    expect((missing as DriverError).retryable).toBe(true);
    const kubeconfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: s.name, cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': 'Q0E=' } },
      ],
      users: [
        {
          name: `${s.name}-admin`,
          user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' },
        },
      ],
      contexts: [{ name: 'admin', context: { cluster: s.name, user: `${s.name}-admin` } }],
      'current-context': 'admin',
    });
    management.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${s.name}-kubeconfig`, namespace: NS },
      data: { value: Buffer.from(kubeconfig).toString('base64') },
    });
    expect(await provider.credentials(s.name)).toEqual({
      endpoint: 'https://10.0.0.1:6443',
      caData: 'Q0E=',
      clientCertData: 'Q0VSVA==',
      clientKeyData: 'S0VZ',
      kubeconfig,
    });
  });

  it('keeps a deleted cluster as deleting while the finalizer holds it', async () => {
    await start();
    const controller = startCapiController(management, { provisionDelayMs: 40, deleteDelayMs: 300 });
    const h = {
      provider: new ClusterApiProvider('capi', ClusterApiOptionsSchema.parse(options(management))),
      region: 'eu-1',
      tick,
    };
    const s = spec();
    await h.provider.create(s);
    const ready = await pollCluster(h, s.name, (c) => c?.state === 'ready');
    expect(ready?.endpoint).toBe(controller.members.get(s.name)?.url);
    await h.provider.delete(s.name, s.owner);
    expect((await h.provider.describe(s.name))?.state).toBe('deleting');
    expect(cluster(s.name).metadata.finalizers).toEqual(['cluster.cluster.x-k8s.io']);
    await pollCluster(h, s.name, (c) => c === undefined);
    await controller.stop();
  });

  it('refuses options that cannot work, naming the field', async () => {
    management = await startKubeEmulator({ name: 'management' });
    const entry = { name: 'capi', driver: 'clusterapi', regions: ['r1'], pricePerNodeHour: 1 } as const;
    const bad = () =>
      loadConfig({
        value: { providers: [{ ...entry, options: { ...options(management), kubernetesVersion: '1.33' } }] },
      });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/providers\.0\.options\.kubernetesVersion: must be a Kubernetes version/);
    expect(
      () =>
        new ClusterApiProvider(
          'capi',
          ClusterApiOptionsSchema.parse({ ...options(management), kubeconfigPath: '/x' }),
        ),
    ).toThrow(/give only one of kubeconfig, kubeconfigPath/);
  });

  it('needs on the management cluster exactly what deploy/rbac grants it', async () => {
    await start();
    const controller = startCapiController(management, { provisionDelayMs: 40, deleteDelayMs: 40 });
    const h = {
      provider: new ClusterApiProvider('capi', ClusterApiOptionsSchema.parse(options(management))),
      region: 'eu-1',
      tick,
    };
    const s = spec();
    await h.provider.create(s);
    await h.provider.create(s);
    await pollCluster(h, s.name, (c) => c?.state === 'ready');
    await h.provider.resize(s.name, 2);
    await h.provider.credentials(s.name);
    await h.provider.list(s.owner);
    await h.provider.delete(s.name, s.owner);
    await pollCluster(h, s.name, (c) => c === undefined);
    await controller.stop();
    const rbac = parseAllDocuments(
      readFileSync(new URL('../../deploy/rbac/clusterburst.yaml', import.meta.url), 'utf8'),
    ).map((d) => d.toJSON() as KubeObject);
    const role = rbac.find((d) => d.kind === 'Role' && d.metadata.name === 'clusterburst-clusterapi')!;
    const rules = role.rules as PolicyRule[];
    const calls = management
      .requests()
      .map(requestAttributes)
      .filter((a) => a !== undefined);
    expect(deniedRequests(management.requests(), rules)).toEqual([]);
    expect(new Set(calls.map((a) => a.namespace))).toEqual(new Set([role.metadata.namespace]));
    const used = new Set(calls.map((a) => `${a.resource}:${a.verb}`));
    expect(
      rules.flatMap((r) => r.verbs.map((v) => `${r.resources![0]}:${v}`)).filter((g) => !used.has(g)),
    ).toEqual([]);
  });
});

describe('clusterapi provider resizing the worker MachineDeployment', () => {
  let management: KubeEmulator;
  let controller: ReturnType<typeof startCapiController>;
  afterEach(async () => {
    await controller?.stop();
    await management?.stop();
  });

  const ready = async () => {
    management = await startKubeEmulator({ name: 'management', namespaces: [NS] });
    controller = startCapiController(management, {
      provisionDelayMs: 40,
      deleteDelayMs: 40,
      scaleDelayMs: 200,
    });
    const provider = new ClusterApiProvider('capi', ClusterApiOptionsSchema.parse(options(management)));
    const id = burstId();
    const name = `cb-${id.slice(2)}`;
    await provider.create({ name, burstId: id, owner: 'test-owner', region: 'eu-1', nodes: 2, labels: {} });
    const h = { provider, region: 'eu-1', tick };
    await pollCluster(h, name, (c) => c?.state === 'ready');
    return { provider, name, h };
  };

  it('writes the topology replicas and reports the MachineDeployment scaling until its machines are ready', async () => {
    const { provider, name, h } = await ready();
    const resizing = await provider.resize(name, 5);
    const topology = management.get({
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Cluster',
      namespace: NS,
      name,
    })!.spec as { topology: { workers: { machineDeployments: { name: string; replicas: number }[] } } };
    expect(topology.topology.workers.machineDeployments).toEqual([
      { class: 'default-worker', name: 'md-0', replicas: 5 },
    ]);
    expect(resizing).toMatchObject({
      state: 'ready',
      nodes: { current: 2, desired: 5 },
      resize: { state: 'resizing' },
    });
    const done = await pollCluster(h, name, (c) => c?.resize === undefined);
    expect(done?.nodes).toEqual({ current: 5, desired: 5 });
  });

  it("reports a failed scale with the infrastructure provider's words, as quota when the account ran short", async () => {
    const { provider, name, h } = await ready();
    controller.failScaling(
      name,
      'failed to create AWSMachine: VcpuLimitExceeded: You have requested more vCPU capacity than your current vCPU limit of 32 allows',
    );
    await provider.resize(name, 9);
    const failed = await pollCluster(h, name, (c) => c?.resize?.state === 'failed');
    expect(failed).toMatchObject({
      state: 'ready',
      nodes: { current: 2, desired: 9 },
      resize: {
        quota: true,
        message: expect.stringMatching(
          /^MachineDeployment Failed: MachinesReady NotReady: failed to create AWSMachine: VcpuLimitExceeded/,
        ),
      },
    });
  });

  it('reports a failed scale that is not a shortage without quota', async () => {
    const { provider, name, h } = await ready();
    controller.failScaling(name, 'failed to reconcile bootstrap data: secret not found');
    await provider.resize(name, 3);
    const failed = await pollCluster(h, name, (c) => c?.resize?.state === 'failed');
    expect(failed?.resize?.quota).toBeUndefined();
    expect(failed?.resize?.message).toContain('secret not found');
  });
});
