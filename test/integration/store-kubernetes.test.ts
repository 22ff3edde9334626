import { readFileSync } from 'node:fs';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { BurstCluster, TeardownState } from '../../shared/domain/burst-cluster.ts';
import { KubernetesStore } from '../../shared/drivers/store/kubernetes.ts';
import { DriverError } from '../../shared/errors.ts';
import { runStoreContract } from '../support/contracts/store.ts';
import type { KubeEmulator, KubeObject, PolicyRule } from '../support/kube-emulator/index.ts';
import { deniedRequests, startKubeEmulator } from '../support/kube-emulator/index.ts';
import { makeEvent, makeRecord } from '../support/records.ts';

const NAMESPACE = 'clusterburst-system';
const CRD = parse(
  readFileSync(new URL('../../deploy/crds/burstclusters.clusterburst.io.yaml', import.meta.url), 'utf8'),
) as KubeObject;
const RBAC = parseAllDocuments(
  readFileSync(new URL('../../deploy/rbac/clusterburst.yaml', import.meta.url), 'utf8'),
).map((d) => d.toJSON() as KubeObject);
const BC = {
  group: 'clusterburst.io',
  version: 'v1alpha1',
  plural: 'burstclusters',
  namespace: NAMESPACE,
} as const;

async function startFederation(): Promise<KubeEmulator> {
  const emulator = await startKubeEmulator({ name: 'federation', namespaces: [NAMESPACE] });
  emulator.create(CRD);
  return emulator;
}

runStoreContract('kubernetes (emulator)', async (options) => {
  const emulator = await startFederation();
  const make = () =>
    new KubernetesStore({ kubeConfig: emulator.kubeConfig(), namespace: NAMESPACE, ...options });
  return { store: make(), second: async () => make(), cleanup: () => emulator.stop() };
});

describe('kubernetes store on the BurstCluster CRD', () => {
  let emulator: KubeEmulator;
  let store: KubernetesStore;
  beforeEach(async () => {
    emulator = await startFederation();
    store = new KubernetesStore({ kubeConfig: emulator.kubeConfig(), namespace: NAMESPACE });
  });
  afterEach(async () => {
    await store.close();
    await emulator.stop();
  });

  const admit = async (record = makeRecord()) => {
    const result = await store.admit(record.reason.signalKey, () => ({
      admit: true,
      record,
      events: [makeEvent(record)],
    }));
    if (!result.admitted) throw new Error(result.why);
    return result.record;
  };

  it('labels a record settled once it ended and its outbox emptied, and heals a label a crash left unwritten', async () => {
    const saved = await admit();
    const ref = {
      apiVersion: 'clusterburst.io/v1alpha1',
      kind: 'BurstCluster',
      namespace: NAMESPACE,
      name: saved.id,
    };
    await store.update({ ...saved, phase: 'Deleted' });
    expect(emulator.get(ref)?.metadata.labels?.['clusterburst.io/settled']).toBeUndefined();
    await store.ackEvents((await store.pendingEvents(10)).map((p) => p.event.id));
    expect(emulator.get(ref)?.metadata.labels?.['clusterburst.io/settled']).toBe('true');
    // As if the process died between the last status write and the label.
    emulator.patch(ref, { metadata: { labels: { 'clusterburst.io/settled': null } } });
    const fresh = new KubernetesStore({ kubeConfig: emulator.kubeConfig(), namespace: NAMESPACE });
    expect(await fresh.list({ live: true })).toEqual([]);
    expect(emulator.get(ref)?.metadata.labels?.['clusterburst.io/settled']).toBe('true');
    await fresh.close();
  });

  it('keeps each record as a labelled BurstCluster whose status shows phase, provider and region', async () => {
    const saved = await admit(makeRecord({ provider: 'aws', region: 'eu-west-1' }));
    const object = emulator.get({
      apiVersion: 'clusterburst.io/v1alpha1',
      kind: 'BurstCluster',
      namespace: NAMESPACE,
      name: saved.id,
    });
    expect(object?.metadata.labels).toEqual({
      'clusterburst.io/owner': 'test-owner',
      'clusterburst.io/burst-id': saved.id,
      'clusterburst.io/signal-key': expect.stringMatching(/^sk-[0-9a-f]{40}$/),
    });
    expect(object?.status).toMatchObject({
      phase: 'Requested',
      provider: 'aws',
      region: 'eu-west-1',
      version: 1,
    });
    expect(object?.spec).toMatchObject({ burstId: saved.id, clusterName: saved.name, owner: 'test-owner' });
  });

  it('reads a record from its admitted snapshot when the status write after create was lost', async () => {
    emulator.faults.failNext(1, { method: 'PUT', path: /\/burstclusters\/[^/]+\/status$/ });
    const saved = await admit();
    const object = emulator.get({
      apiVersion: 'clusterburst.io/v1alpha1',
      kind: 'BurstCluster',
      namespace: NAMESPACE,
      name: saved.id,
    });
    expect(object?.status).toBeUndefined();
    const fresh = new KubernetesStore({ kubeConfig: emulator.kubeConfig(), namespace: NAMESPACE });
    expect(await fresh.get(saved.id)).toEqual(saved);
    expect((await fresh.pendingEvents(10)).map((p) => p.event.burstId)).toEqual([saved.id]);
    const next = await fresh.update({ ...saved, phase: 'Provisioning' });
    expect(next.version).toBe(2);
  });

  it('finishes an admission whose writer died after claiming the fleet lock', async () => {
    const orphan = makeRecord();
    const body = {
      apiVersion: 'clusterburst.io/v1alpha1',
      kind: 'BurstCluster',
      metadata: {
        name: orphan.id,
        namespace: NAMESPACE,
        labels: { 'clusterburst.io/owner': orphan.owner, 'clusterburst.io/burst-id': orphan.id },
      },
      spec: {
        burstId: orphan.id,
        clusterName: orphan.name,
        owner: orphan.owner,
        reason: orphan.reason,
        createdAt: orphan.createdAt,
        initial: {
          ...orphan,
          id: undefined,
          name: undefined,
          owner: undefined,
          reason: undefined,
          createdAt: undefined,
          version: 1,
        },
      },
    };
    await emulator
      .kubeConfig()
      .makeApiClient(CoreV1Api)
      .createNamespacedConfigMap({
        namespace: NAMESPACE,
        body: {
          metadata: { name: 'clusterburst-fleet' },
          data: { admissions: '1', pending: JSON.stringify(body) },
        },
      });
    const seen: number[] = [];
    const result = await store.admit('any', (records) => {
      seen.push(records.length);
      return records.length >= 1
        ? { admit: false, why: 'limit of one' }
        : { admit: true, record: makeRecord(), events: [] };
    });
    expect(result).toEqual({ admitted: false, why: 'limit of one' });
    expect(seen).toEqual([1]);
    expect((await store.get(orphan.id))?.phase).toBe('Requested');
  });

  it('drops an admission the API server rejects for good, so later admissions are not wedged', async () => {
    const bad = makeRecord({ owner: 'not a valid label value' });
    await expect(
      store.admit(bad.reason.signalKey, () => ({ admit: true, record: bad, events: [] })),
    ).rejects.toMatchObject({
      retryable: false,
    });
    const good = await admit();
    expect((await store.list()).map((r) => r.id)).toEqual([good.id]);
  });

  it('retries its write when only the outbox moved since it read the record', async () => {
    const saved = await admit();
    const other = new KubernetesStore({ kubeConfig: emulator.kubeConfig(), namespace: NAMESPACE });
    await other.ackEvents((await other.pendingEvents(10)).map((p) => p.event.id));
    const next = await store.update({ ...saved, phase: 'Provisioning' });
    expect(next.version).toBe(2);
    expect(await store.pendingEvents(10)).toEqual([]);
  });

  it('writes a record and its events in one request', async () => {
    const saved = await admit();
    emulator.clearRequests();
    await store.update({ ...saved, phase: 'Provisioning' }, [makeEvent(saved, 'ClusterProvisioning')]);
    expect(emulator.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /apis/clusterburst.io/v1alpha1/namespaces/${NAMESPACE}/burstclusters/${saved.id}/status`,
    ]);
  });

  it('keeps every field of a record through the API server, which prunes what the CRD does not declare', async () => {
    const saved = await admit(
      makeRecord({ provider: 'aks', replaces: 'b-0123456789ab', excludedProviders: ['magnum'] }),
    );
    // Required<>: a field added to the record (or its teardown) fails to compile here until it is
    // set, and then fails this test until the CRD declares it.
    const teardown: Required<TeardownState> = {
      requestedAt: '2026-11-22T11:29:00.000Z',
      requestedWhy: 'teardown requested by an operator',
      drainStartedAt: '2026-11-22T11:30:00.000Z',
      moveHomeStartedAt: '2026-11-22T11:31:00.000Z',
      forceRequestedAt: '2026-11-22T11:32:00.000Z',
      forced: true,
      failed: true,
    };
    const full: Required<BurstCluster> = {
      ...saved,
      phase: 'Active',
      apiEndpoint: 'https://203.0.113.10:6443',
      services: [
        { name: 'web', ingress: '198.51.100.7:80', readyReplicas: 2, routed: false, waiting: 'a probe' },
      ],
      credentialsRef: 'aks:cb-0123',
      dnsRecords: [{ name: 'web.burst.example.org', type: 'A' }],
      gatewayServers: [{ backend: 'web', server: 'cb-0123' }],
      expiresAt: '2026-11-22T12:00:00.000Z',
      signalResolvedAt: '2026-11-22T11:00:00.000Z',
      servesSignal: 'alertmanager:{}:{alertname="Other"}',
      demand: 2.5,
      demandPeaks: [{ nodes: 7.5, until: '2026-11-22T10:55:00.000Z' }],
      warm: false,
      resize: {
        state: 'failed',
        since: '2026-11-22T11:10:00.000Z',
        from: 3,
        message: 'quota exceeded',
        why: 'grow',
      },
      teardown,
      replaces: 'b-0123456789ab',
      excludedProviders: ['magnum', 'eks'],
      lastError: 'quota at eks',
    };
    const updated = await store.update(full);
    const { version: _v, ...expected } = updated;
    expect(await store.get(saved.id)).toMatchObject(expected);
    const fresh = new KubernetesStore({ kubeConfig: emulator.kubeConfig(), namespace: NAMESPACE });
    expect(await fresh.get(saved.id)).toEqual(updated);
    await fresh.close();
  });

  it('keeps the admitted snapshot whole, so a record read before its first status write is complete', async () => {
    emulator.faults.failNext(1, { method: 'PUT', path: /\/burstclusters\/[^/]+\/status$/ });
    const record = makeRecord({ replaces: 'b-0123456789ab', excludedProviders: ['magnum'] });
    await admit(record);
    expect(await store.get(record.id)).toMatchObject({
      replaces: 'b-0123456789ab',
      excludedProviders: ['magnum'],
    });
  });

  it('reports server errors as retryable driver errors', async () => {
    emulator.faults.failNext(1, { method: 'GET', status: 503 });
    const error = await store.get(makeRecord().id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).retryable).toBe(true);
  });

  it('refuses to change the facts fixed at admission', async () => {
    const saved = await admit();
    await expect(store.update({ ...saved, owner: 'someone-else' })).rejects.toThrow(
      /owner is fixed at admission/,
    );
    const list = (await emulator
      .kubeConfig()
      .makeApiClient(CustomObjectsApi)
      .listNamespacedCustomObject(BC)) as { items: KubeObject[] };
    expect(list.items).toHaveLength(1);
  });
});

describe('deploy manifests', () => {
  it('declare the printer columns operators see in kubectl get burstclusters', () => {
    const version = (
      CRD.spec as { versions: { additionalPrinterColumns: { name: string; jsonPath: string }[] }[] }
    ).versions[0]!;
    expect(version.additionalPrinterColumns.map((c) => `${c.name}=${c.jsonPath}`)).toEqual([
      'Phase=.status.phase',
      'Provider=.status.provider',
      'Region=.status.region',
      'Age=.metadata.creationTimestamp',
    ]);
  });

  it('apply cleanly to an API server', async () => {
    const emulator = await startKubeEmulator({ namespaces: ['karmada-cluster', 'kube-federation-system'] });
    try {
      emulator.create(CRD);
      for (const doc of RBAC) emulator.create(doc);
      expect(emulator.objects({ labelSelector: 'app.kubernetes.io/name=clusterburst' }).length).toBe(
        RBAC.length + 1,
      );
    } finally {
      await emulator.stop();
    }
  });

  it('grant the store every call it makes, and nothing it does not need', async () => {
    const emulator = await startFederation();
    // A clock past the retention, so the ended record is pruned (a delete) in the same run.
    const later = () => new Date(Date.now() + 30 * 24 * 3600 * 1000);
    const store = new KubernetesStore({
      kubeConfig: emulator.kubeConfig(),
      namespace: NAMESPACE,
      now: later,
    });
    try {
      const record = makeRecord();
      const admitted = await store.admit(record.reason.signalKey, () => ({
        admit: true,
        record,
        events: [makeEvent(record)],
      }));
      if (!admitted.admitted) throw new Error(admitted.why);
      await store.update({ ...admitted.record, phase: 'Provisioning' }, [
        makeEvent(admitted.record, 'ClusterProvisioning'),
      ]);
      const [first] = await store.pendingEvents(10);
      await store.nackEvent(first!.event.id);
      await store.ackEvents([first!.event.id]);
      const listed = await store.list({ phases: ['Provisioning'] });
      await store.update({ ...listed[0]!, phase: 'Deleted' });
      await store.ackEvents((await store.pendingEvents(10)).map((p) => p.event.id));
      expect(await store.prune()).toBe(1);
      await store.list({ live: true, signalKey: record.reason.signalKey });
      const role = RBAC.find((d) => d.kind === 'Role' && d.metadata.name === 'clusterburst-store')!;
      const rules = role.rules as PolicyRule[];
      expect(deniedRequests(emulator.requests(), rules)).toEqual([]);
      // Deletes are for pruning ended records, never for the fleet lock.
      expect(rules.filter((r) => r.verbs.includes('delete')).flatMap((r) => r.resources)).toEqual([
        'burstclusters',
      ]);
    } finally {
      await store.close();
      await emulator.stop();
    }
  });
});
