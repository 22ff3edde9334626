import { request as httpsRequest } from 'node:https';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../shared/domain/names.ts';
import { eksToken } from '../../shared/drivers/provider/eks-token.ts';
import type { ClusterCredentials } from '../../shared/drivers/provider/provider.ts';
import { failureOf } from '../support/kube-emulator/index.ts';
import {
  EMULATED_KINDS,
  type EmulatedProvider,
  startEmulatedProvider,
} from '../support/provider-apis/clock.ts';

const OWNER = 'ri-members';
const READY_AFTER_MS = 600;
const NS = 'default';

/** A GET over HTTPS that trusts the cluster CA and sends no credentials (a user's browser). */
function anonymousGet(
  url: string,
  caPem: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: caPem, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          headers: res.headers,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** The kubeconfig a federation builds from the driver's credentials. */
function kubeConfigOf(creds: ClusterCredentials): KubeConfig {
  const kc = new KubeConfig();
  if (creds.kubeconfig) {
    kc.loadFromString(creds.kubeconfig);
    return kc;
  }
  kc.loadFromOptions({
    clusters: [{ name: 'member', server: creds.endpoint, caData: creds.caData }],
    users: [
      {
        name: 'member',
        ...(creds.token ? { token: creds.token } : {}),
        ...(creds.clientCertData ? { certData: creds.clientCertData, keyData: creds.clientKeyData } : {}),
      },
    ],
    contexts: [{ name: 'member', cluster: 'member', user: 'member' }],
    currentContext: 'member',
  });
  return kc;
}

describe.each(EMULATED_KINDS)('%s (emulated): the cluster API and the services are apart', (kind) => {
  let p: EmulatedProvider;
  const name = `cb-${kind.padEnd(6, '0')}7e57aa`.slice(0, 15);
  let endpoint: string;
  let caPem: string;
  let creds: ClusterCredentials;

  beforeAll(async () => {
    p = await startEmulatedProvider(kind, { deleteMs: 0 });
    p.members.defaults.readyAfterMs = READY_AFTER_MS;
    p.members.defaults.unready.push({ namespace: NS, name: 'stuck' });
    p.clock.start();
    await p.driver.create({
      name,
      burstId: `b-${name.slice(3)}`,
      owner: OWNER,
      region: p.region,
      nodes: 1,
      labels: { [OWNER_LABEL]: OWNER, [BURST_ID_LABEL]: `b-${name.slice(3)}` },
    });
    const ready = await vi.waitFor(
      async () => {
        const c = await p.driver.describe(name);
        if (c?.state !== 'ready' || !c.endpoint) throw new Error(`${name} is ${c?.state}`);
        return c;
      },
      { timeout: 20_000, interval: 50 },
    );
    endpoint = ready.endpoint!;
    creds = await p.driver.credentials(name);
    caPem = Buffer.from(creds.caData ?? '', 'base64').toString();
  });

  afterAll(async () => {
    p.clock.stop();
    await p.driver.close?.();
    await p.close();
    expect(p.members.size).toBe(0);
  });

  it('answers a request without credentials at the API endpoint with a 401 Status, as kube-apiserver does', async () => {
    const r = await anonymousGet(`${endpoint}/`, caPem);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect(r.headers['x-cluster']).toBeUndefined();
    expect((await anonymousGet(`${endpoint}/healthz`, caPem)).status).toBe(200);
    expect((await anonymousGet(`${endpoint}/version`, caPem)).status).toBe(200);
  });

  it('lets the driver’s own credentials in, verified against the cluster CA', async () => {
    const core = kubeConfigOf(creds).makeApiClient(CoreV1Api);
    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain('kube-system');
  });

  it('gives a LoadBalancer Service an ingress address apart from the API endpoint, 503 until its workload is ready, then answering with the service and cluster name', async () => {
    const kc = kubeConfigOf(creds);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    await core.createNamespacedService({
      namespace: NS,
      body: {
        metadata: { name: 'portal' },
        spec: { type: 'LoadBalancer', selector: { app: 'portal' }, ports: [{ port: 8080 }] },
      },
    });
    const ip = await vi.waitFor(
      async () => {
        const s = await core.readNamespacedServiceStatus({ name: 'portal', namespace: NS });
        const found = s.status?.loadBalancer?.ingress?.[0]?.ip;
        if (!found) throw new Error('no ingress yet');
        return found;
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(ip).not.toBe(new URL(endpoint).hostname);
    expect((await fetch(`http://${ip}:8080/`)).status).toBe(503);

    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'portal' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'portal' } },
          template: {
            metadata: { labels: { app: 'portal' } },
            spec: { containers: [{ name: 'web', image: 'web' }] },
          },
        },
      },
    });
    expect((await fetch(`http://${ip}:8080/`)).status).toBe(503);
    const ok = await vi.waitFor(
      async () => {
        const r = await fetch(`http://${ip}:8080/`);
        if (r.status !== 200) throw new Error(`still ${r.status}`);
        return r;
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(await ok.json()).toMatchObject({
      service: 'portal',
      namespace: NS,
      cluster: name,
      readyReplicas: 2,
    });
  });

  it('keeps a service whose replicas never become ready answering 503', async () => {
    const kc = kubeConfigOf(creds);
    const core = kc.makeApiClient(CoreV1Api);
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'stuck' },
        spec: {
          selector: { matchLabels: { app: 'stuck' } },
          template: {
            metadata: { labels: { app: 'stuck' } },
            spec: { containers: [{ name: 'web', image: 'web' }] },
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace: NS,
      body: {
        metadata: { name: 'stuck' },
        spec: { type: 'LoadBalancer', selector: { app: 'stuck' }, ports: [{ port: 8080 }] },
      },
    });
    const ip = await vi.waitFor(async () => {
      const s = await core.readNamespacedServiceStatus({ name: 'stuck', namespace: NS });
      const found = s.status?.loadBalancer?.ingress?.[0]?.ip;
      if (!found) throw new Error('no ingress yet');
      return found;
    });
    await new Promise((r) => setTimeout(r, READY_AFTER_MS * 2));
    const d = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeploymentStatus({ name: 'stuck', namespace: NS });
    expect(d.status?.readyReplicas ?? 0).toBe(0);
    expect((await fetch(`http://${ip}:8080/`)).status).toBe(503);
  });

  if (kind === 'eks') {
    it('refuses an EKS token minted for another cluster, as the IAM authenticator does', async () => {
      const token = await eksToken({
        clusterName: 'someone-elses',
        region: p.region,
        credentials: {
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        },
      });
      const core = kubeConfigOf({ ...creds, token }).makeApiClient(CoreV1Api);
      expect((await failureOf(core.listNamespace())).code).toBe(401);
    });
  }

  it('stops the cluster’s API server and its load balancers when the cluster is deleted', async () => {
    const ips: string[] = [];
    const member = p.members.byUrl(creds.endpoint)!;
    for (const svc of ['portal', 'stuck']) ips.push(member.emulator.members!.addressOf(NS, svc)!);
    await p.driver.delete(name, OWNER);
    await vi.waitFor(
      async () => {
        await p.driver.delete(name, OWNER);
        if (await p.driver.describe(name)) throw new Error('still there');
      },
      { timeout: 20_000, interval: 50 },
    );
    await vi.waitFor(async () => {
      await expect(anonymousGet(`${endpoint}/healthz`, caPem)).rejects.toThrow();
      for (const ip of ips) await expect(fetch(`http://${ip}:8080/`)).rejects.toThrow();
    });
    expect(p.members.size).toBe(0);
  });
});
