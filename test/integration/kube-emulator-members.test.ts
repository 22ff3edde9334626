import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KubeEmulator } from '../support/kube-emulator/index.ts';
import { startKubeEmulator } from '../support/kube-emulator/index.ts';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const READY_AFTER_MS = 300;

let member: KubeEmulator;
let apps: AppsV1Api;
let core: CoreV1Api;

beforeAll(async () => {
  member = await startKubeEmulator({
    name: 'burst-1',
    namespaces: ['science'],
    memberControllers: { readyAfterMs: READY_AFTER_MS, unready: [{ namespace: 'science', name: 'broken' }] },
  });
  apps = member.kubeConfig().makeApiClient(AppsV1Api);
  core = member.kubeConfig().makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await member.stop();
});

function deployment(name: string, replicas: number) {
  return {
    metadata: { name, namespace: 'science' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'registry.example/web:1' }] },
      },
    },
  };
}

function loadBalancer(name: string, port: number) {
  return {
    metadata: { name, namespace: 'science' },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port, protocol: 'TCP' }] },
  };
}

async function ingressOf(name: string): Promise<string> {
  return vi.waitFor(
    async () => {
      const s = await core.readNamespacedServiceStatus({ name, namespace: 'science' });
      const ip = s.status?.loadBalancer?.ingress?.[0]?.ip;
      if (!ip) throw new Error(`${name} has no ingress yet`);
      return ip;
    },
    { timeout: 5_000, interval: 20 },
  );
}

describe('workload controller (deployment controller and kubelets)', () => {
  it('reports a Deployment’s replicas at once and their readiness only after the delay', async () => {
    await apps.createNamespacedDeployment({ namespace: 'science', body: deployment('web', 2) });
    const early = await vi.waitFor(async () => {
      const d = await apps.readNamespacedDeploymentStatus({ name: 'web', namespace: 'science' });
      if (d.status?.observedGeneration !== 1) throw new Error('not observed yet');
      return d.status;
    });
    expect(early).toMatchObject({ replicas: 2, updatedReplicas: 2, unavailableReplicas: 2 });
    expect(early.readyReplicas ?? 0).toBe(0);
    const ready = await vi.waitFor(
      async () => {
        const d = await apps.readNamespacedDeploymentStatus({ name: 'web', namespace: 'science' });
        if (!d.status?.readyReplicas) throw new Error('not ready yet');
        return d.status;
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(ready).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
  });

  it('follows a scale-up: the new generation is observed at once, the extra replica is ready later', async () => {
    await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'science', body: { spec: { replicas: 3 } } },
      merge,
    );
    const observed = await vi.waitFor(async () => {
      const d = await apps.readNamespacedDeploymentStatus({ name: 'web', namespace: 'science' });
      if (d.status?.observedGeneration !== 2) throw new Error('not observed yet');
      return d.status;
    });
    expect(observed).toMatchObject({ replicas: 3, readyReplicas: 2 });
    await vi.waitFor(
      async () => {
        const d = await apps.readNamespacedDeploymentStatus({ name: 'web', namespace: 'science' });
        expect(d.status?.readyReplicas).toBe(3);
      },
      { timeout: 5_000, interval: 20 },
    );
  });

  it('reports a StatefulSet’s replicas ready after the delay', async () => {
    await apps.createNamespacedStatefulSet({
      namespace: 'science',
      body: { ...deployment('db', 1), spec: { ...deployment('db', 1).spec, serviceName: 'db' } },
    });
    await vi.waitFor(
      async () => {
        const s = await apps.readNamespacedStatefulSetStatus({ name: 'db', namespace: 'science' });
        expect(s.status).toMatchObject({ observedGeneration: 1, replicas: 1, readyReplicas: 1 });
      },
      { timeout: 5_000, interval: 20 },
    );
  });

  it('never makes a workload ready while the test keeps it unready, and does once released', async () => {
    await apps.createNamespacedDeployment({ namespace: 'science', body: deployment('broken', 1) });
    await new Promise((r) => setTimeout(r, READY_AFTER_MS * 3));
    const held = await apps.readNamespacedDeploymentStatus({ name: 'broken', namespace: 'science' });
    expect(held.status).toMatchObject({ observedGeneration: 1, replicas: 1, unavailableReplicas: 1 });
    expect(held.status?.readyReplicas ?? 0).toBe(0);
    member.members!.keepUnready({ namespace: 'science', name: 'broken' }, false);
    await vi.waitFor(
      async () => {
        const d = await apps.readNamespacedDeploymentStatus({ name: 'broken', namespace: 'science' });
        expect(d.status?.readyReplicas).toBe(1);
      },
      { timeout: 5_000, interval: 20 },
    );
    member.members!.keepUnready({ namespace: 'science', name: 'broken' });
  });
});

describe('load balancer controller (the cloud provider’s service controller)', () => {
  it('gives a LoadBalancer Service its own loopback address, which answers 503 until the workload is ready, then with the service and cluster name', async () => {
    await core.createNamespacedService({ namespace: 'science', body: loadBalancer('portal', 8080) });
    const ip = await ingressOf('portal');
    expect(ip).toMatch(/^127\./);
    expect(ip).not.toBe(new URL(member.url).hostname);
    const before = await fetch(`http://${ip}:8080/`);
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({
      service: 'portal',
      namespace: 'science',
      cluster: 'burst-1',
    });

    await apps.createNamespacedDeployment({ namespace: 'science', body: deployment('portal', 1) });
    const answered = await vi.waitFor(
      async () => {
        const r = await fetch(`http://${ip}:8080/status`, { headers: { host: 'portal.example.org' } });
        if (r.status !== 200) throw new Error(`still ${r.status}`);
        return r;
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(answered.headers.get('x-cluster')).toBe('burst-1');
    expect(answered.headers.get('x-service')).toBe('science/portal');
    expect(await answered.json()).toMatchObject({
      service: 'portal',
      namespace: 'science',
      cluster: 'burst-1',
      readyReplicas: 1,
    });
  });

  it('keeps answering 503 for a service whose workload is held unready', async () => {
    await core.createNamespacedService({ namespace: 'science', body: loadBalancer('broken', 8080) });
    const ip = await ingressOf('broken');
    await new Promise((r) => setTimeout(r, READY_AFTER_MS * 2));
    const r = await fetch(`http://${ip}:8080/`);
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ service: 'broken', error: 'no ready endpoints' });
  });

  it('leaves ClusterIP Services and Services of another load balancer class without an ingress', async () => {
    await core.createNamespacedService({
      namespace: 'science',
      body: { metadata: { name: 'internal', namespace: 'science' }, spec: { ports: [{ port: 80 }] } },
    });
    await core.createNamespacedService({
      namespace: 'science',
      body: {
        ...loadBalancer('classy', 8081),
        spec: { ...loadBalancer('classy', 8081).spec, loadBalancerClass: 'example.com/other' },
      },
    });
    await new Promise((r) => setTimeout(r, 200));
    for (const name of ['internal', 'classy']) {
      const s = await core.readNamespacedServiceStatus({ name, namespace: 'science' });
      expect(s.status?.loadBalancer?.ingress ?? []).toEqual([]);
    }
  });

  it('closes the load balancer when the Service is deleted', async () => {
    await core.createNamespacedService({ namespace: 'science', body: loadBalancer('gone', 8082) });
    const ip = await ingressOf('gone');
    expect((await fetch(`http://${ip}:8082/`)).status).toBe(503);
    await core.deleteNamespacedService({ name: 'gone', namespace: 'science' });
    await vi.waitFor(async () => {
      await expect(fetch(`http://${ip}:8082/`)).rejects.toThrow();
    });
    expect(member.members!.addressOf('science', 'gone')).toBeUndefined();
  });
});

describe('the API endpoint is the control plane only', () => {
  it('answers a request without credentials with a 401 Status, never a service', async () => {
    const r = await fetch(`${member.url}/`);
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Unauthorized',
      code: 401,
    });
    expect(r.headers.get('x-cluster')).toBeNull();
  });

  it('serves /healthz, /livez, /readyz and /version to anyone, as kube-apiserver does', async () => {
    for (const path of ['/healthz', '/livez', '/readyz', '/version']) {
      expect((await fetch(`${member.url}${path}`)).status, path).toBe(200);
    }
  });
});
