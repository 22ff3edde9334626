/**
 * The on-premises deployment (deploy/onprem) checked offline: kustomize's `resources` and
 * `configMapGenerator` resolved here (no kustomize binary), every object parsed and the core
 * ones validated against the Kubernetes OpenAPI schemas; the pieces that must agree do (ports,
 * selectors, config path, secrets); the probes hit routes of a real runtime; and the RBAC bound
 * to the Deployment's service account covers every call the runtime makes to the cluster.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { type LocalRuntime, startLocalRuntime } from '../../functions/local/runtime.ts';
import { loadConfig } from '../../shared/config/load-config.ts';
import { Rfc2136OptionsSchema } from '../../shared/drivers/dns/rfc2136/options.ts';
import { KarmadaOptionsSchema } from '../../shared/drivers/federation/karmada-options.ts';
import { HaproxyGatewayOptionsSchema } from '../../shared/drivers/gateway/haproxy-options.ts';
import { PrometheusLoadOptionsSchema } from '../../shared/drivers/load/prometheus-options.ts';
import { ClusterApiOptionsSchema } from '../../shared/drivers/provider/clusterapi-options.ts';
import {
  allowedBy,
  type KubeEmulator,
  type KubeObject,
  type PolicyRule,
  requestAttributes,
  startKubeEmulator,
} from '../support/kube-emulator/index.ts';
import { type Json, MANUAL_SCHEDULES } from '../support/local-runtime.ts';
import { loadKubernetesSchemas, openApiProblems } from '../support/openapi-check.ts';

const DIR = new URL('../../deploy/onprem/', import.meta.url).pathname;

/** The parts of kustomization.yaml this deployment uses; anything else is a test failure. */
const KustomizationSchema = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  resources: z.array(z.string().min(1)).min(1),
  configMapGenerator: z
    .array(z.strictObject({ name: z.string(), namespace: z.string(), files: z.array(z.string()) }))
    .default([]),
  images: z.array(z.strictObject({ name: z.string(), newName: z.string(), newTag: z.string() })).default([]),
});

/** What `kustomize build` would emit, minus the name hash of generated ConfigMaps. */
function build(dir: string): { objects: KubeObject[]; kustomization: z.output<typeof KustomizationSchema> } {
  const kustomization = KustomizationSchema.parse(
    parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')),
  );
  const objects = kustomization.resources.flatMap((resource) =>
    parseAllDocuments(readFileSync(join(dir, resource), 'utf8')).map((doc) => {
      if (doc.errors.length) throw new Error(`${resource}: ${doc.errors[0]?.message}`);
      return doc.toJSON() as KubeObject;
    }),
  );
  for (const gen of kustomization.configMapGenerator) {
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: gen.name, namespace: gen.namespace },
      data: Object.fromEntries(gen.files.map((f) => [basename(f), readFileSync(join(dir, f), 'utf8')])),
    } as KubeObject);
  }
  return { objects, kustomization };
}

const { objects, kustomization } = build(DIR);
const find = (kind: string, name?: string) =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const deployment = find('Deployment', 'clusterburst')[0] as Json;
const pod = deployment?.spec.template.spec;
const container = pod?.containers[0];
const configMap = find('ConfigMap', 'clusterburst-config')[0] as Json;
const exampleConfig = parse(configMap.data['clusterburst.yaml']);

/** Rules the Deployment's service account gets in `namespace` (undefined: cluster scope). */
function rulesFor(namespace: string | undefined): PolicyRule[] {
  const sa = { name: pod.serviceAccountName, namespace: deployment.metadata.namespace };
  const bound = (b: Json) =>
    (b.subjects ?? []).some(
      (s: Json) => s.kind === 'ServiceAccount' && s.name === sa.name && s.namespace === sa.namespace,
    );
  const role = (ref: Json, ns?: string) =>
    objects.find(
      (o) =>
        o.kind === ref.kind &&
        o.metadata.name === ref.name &&
        (ref.kind === 'ClusterRole' || o.metadata.namespace === ns),
    ) as Json;
  const bindings = [
    ...find('ClusterRoleBinding'),
    ...(namespace ? find('RoleBinding').filter((b) => b.metadata.namespace === namespace) : []),
  ] as Json[];
  return bindings.filter(bound).flatMap((b) => role(b.roleRef, b.metadata.namespace)?.rules ?? []);
}

describe('deploy/onprem, as kustomize would build it', () => {
  it('parses every object of every resource, each with apiVersion, kind and name', () => {
    expect(kustomization.resources).toEqual(
      expect.arrayContaining(['../crds/burstclusters.clusterburst.io.yaml', '../rbac/clusterburst.yaml']),
    );
    for (const o of objects) {
      expect(o.apiVersion, JSON.stringify(o.metadata)).toMatch(/^[a-z0-9.-]*\/?v\d/);
      expect(o.kind).toMatch(/^[A-Z]/);
      expect(o.metadata.name).toMatch(/^[a-z0-9][a-z0-9.-]*$/);
    }
    expect(objects.map((o) => o.kind)).toEqual(
      expect.arrayContaining([
        'CustomResourceDefinition',
        'Deployment',
        'Service',
        'ServiceMonitor',
        'ConfigMap',
      ]),
    );
  });

  it('has core objects that the Kubernetes OpenAPI schemas accept, unknown fields included', () => {
    const schemas = loadKubernetesSchemas();
    const core = objects.filter((o) => /^(v1|apps\/v1|rbac\.authorization\.k8s\.io\/v1)$/.test(o.apiVersion));
    expect(core.map((o) => o.kind)).toEqual(
      expect.arrayContaining(['Deployment', 'Service', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap']),
    );
    for (const o of core)
      expect(openApiProblems(schemas, o as Json), `${o.kind} ${o.metadata.name}`).toEqual([]);
  });

  it('wires Service, ServiceMonitor, image and service account to the Deployment', () => {
    const service = find('Service', 'clusterburst')[0] as Json;
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(labels).toMatchObject(service.spec.selector);
    const http = container.ports.find((p: Json) => p.name === service.spec.ports[0].targetPort);
    expect(http.containerPort).toBe(exampleConfig.server.port);
    const monitor = find('ServiceMonitor', 'clusterburst')[0] as Json;
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(service.spec.ports.map((p: Json) => p.name)).toContain(monitor.spec.endpoints[0].port);
    expect(monitor.spec.endpoints[0].path).toBe('/metrics');
    expect(find('ServiceAccount', pod.serviceAccountName)[0]?.metadata.namespace).toBe(
      deployment.metadata.namespace,
    );
    expect(kustomization.images.map((i) => i.name)).toContain(container.image.split(':')[0]);
  });

  it('mounts the generated ConfigMap where CLUSTERBURST_CONFIG points', () => {
    const envPath = container.env.find((e: Json) => e.name === 'CLUSTERBURST_CONFIG').value as string;
    const volume = pod.volumes.find((v: Json) => v.configMap?.name === configMap.metadata.name);
    const mount = container.volumeMounts.find((m: Json) => m.name === volume.name);
    expect(dirname(envPath)).toBe(mount.mountPath);
    expect(Object.keys(configMap.data)).toContain(basename(envPath));
    const containerfile = readFileSync(join(DIR, 'Containerfile'), 'utf8');
    expect(containerfile).toContain(`CLUSTERBURST_CONFIG=${envPath}`);
  });

  it('fills every env: reference of the configuration from a Secret, the API token included', () => {
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string' && v.startsWith('env:')) refs.push(v.slice(4));
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(exampleConfig);
    expect(refs).toEqual(['CLUSTERBURST_TOKEN', 'TSIG_SECRET']);
    expect(exampleConfig.server.host).toBe('0.0.0.0');
    expect(exampleConfig.server.auth.bearerToken).toBe('env:CLUSTERBURST_TOKEN');
    for (const name of refs) {
      const entry = container.env.find((e: Json) => e.name === name);
      expect(entry?.valueFrom?.secretKeyRef, name).toBeDefined();
    }
  });

  it("binds to the pod's service account the Roles the in-cluster drivers need, where the configuration points them", () => {
    // The driver tests (store-kubernetes, provider-clusterapi) prove each Role covers its driver's
    // calls; here: the pod gets those Roles, in the namespaces this configuration uses.
    const rulesOf = (kind: string, name: string) => (find(kind, name)[0] as Json).rules as PolicyRule[];
    expect(exampleConfig.store.options.inCluster).toBe(true);
    expect(rulesFor(exampleConfig.store.options.namespace)).toEqual(
      expect.arrayContaining(rulesOf('Role', 'clusterburst-store')),
    );
    expect(exampleConfig.providers[0].options.inCluster).toBe(true);
    expect(rulesFor(exampleConfig.providers[0].options.namespace)).toEqual(
      expect.arrayContaining(rulesOf('Role', 'clusterburst-clusterapi')),
    );
  });

  it('gives each configured driver options its schema accepts', () => {
    const [provider] = exampleConfig.providers;
    expect(provider.driver).toBe('clusterapi');
    expect(ClusterApiOptionsSchema.safeParse(provider.options).error).toBeUndefined();
    expect(KarmadaOptionsSchema.safeParse(exampleConfig.federation.options).error).toBeUndefined();
    const dns = { ...exampleConfig.dns.options, keySecret: 'MDEyMzQ1Njc4OWFiY2RlZg==' };
    expect(Rfc2136OptionsSchema.safeParse(dns).error).toBeUndefined();
    expect(HaproxyGatewayOptionsSchema.safeParse(exampleConfig.gateway.options).error).toBeUndefined();
    expect(PrometheusLoadOptionsSchema.safeParse(exampleConfig.load.options).error).toBeUndefined();
    // The karmada kubeconfig is mounted where the configuration reads it.
    const karmada = pod.volumes.find((v: Json) => v.secret?.secretName === 'clusterburst-karmada');
    const mount = container.volumeMounts.find((m: Json) => m.name === karmada.name);
    expect(exampleConfig.federation.options.kubeconfigPath).toBe(`${mount.mountPath}/kubeconfig`);
  });
});

describe('deploy/onprem against a running runtime and a Kubernetes API', () => {
  const TOKEN = 'onprem-test-token';
  let emulator: KubeEmulator;
  let runtime: LocalRuntime;
  let dir: string;
  const namespace = exampleConfig.store.options.namespace as string;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const api = async (method: string, path: string, headers: Record<string, string> = auth) => {
    const res = await fetch(new URL(path, runtime.url), { method, headers });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as Json };
  };

  beforeAll(async () => {
    emulator = await startKubeEmulator({ name: 'home', namespaces: [namespace] });
    emulator.create(find('CustomResourceDefinition')[0] as KubeObject);
    dir = mkdtempSync(join(tmpdir(), 'cb-onprem-'));
    // The example, with the home cluster reached through the emulator instead of the pod's
    // service account, the other drivers embedded, and loopback on a free port.
    const config = loadConfig({
      env: { CLUSTERBURST_TOKEN: TOKEN },
      value: {
        ...exampleConfig,
        server: { ...exampleConfig.server, host: '127.0.0.1', port: 0 },
        store: {
          driver: 'kubernetes',
          options: { kubeconfig: emulator.kubeConfig().exportConfig(), namespace },
        },
        providers: [
          {
            name: 'simulated',
            driver: 'simulated',
            regions: ['local'],
            pricePerNodeHour: 0.1,
            options: { readyAfterMs: 0 },
          },
        ],
        federation: { driver: 'simulated' },
        dns: { driver: 'memory' },
        gateway: { driver: 'memory' },
        load: { driver: 'signal' },
        policy: { minLifetimeSeconds: 0, scaleDownDelayAfterAddSeconds: 0 },
        stateDir: dir,
        schedules: MANUAL_SCHEDULES,
        logLevel: 'ERROR',
      },
    });
    runtime = await startLocalRuntime(config);
  }, 30_000);
  afterAll(async () => {
    await runtime?.stop();
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const waitFor = (id: string, phase: string) =>
    expect
      .poll(async () => (await api('GET', `/bursts/${id}`)).body.phase, {
        message: `${id} to reach ${phase}`,
        timeout: 15_000,
        interval: 100,
      })
      .toBe(phase);

  it('answers the probes on the routes they name, without credentials', async () => {
    const probes = ['startupProbe', 'livenessProbe', 'readinessProbe'].map((p) => container[p]);
    for (const probe of probes) {
      expect(container.ports.map((p: Json) => p.name)).toContain(probe.httpGet.port);
      expect((await api('GET', probe.httpGet.path, {})).status).toBe(200);
    }
    expect((await api('GET', '/metrics', {})).status).toBe(200);
    expect((await api('GET', '/bursts', {})).status).toBe(401);
  });

  it("needs from the home cluster only what the service account's RBAC grants", async () => {
    const created = await fetch(new URL('/bursts', runtime.url), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'rbac coverage' }),
    });
    const { burstId } = (await created.json()) as Json;
    await waitFor(burstId, 'Active');
    expect((await api('DELETE', `/bursts/${burstId}`)).status).toBe(202);
    await waitFor(burstId, 'Deleted');
    for (const task of ['reconcile', 'scale-down', 'health'])
      expect((await api('POST', `/schedule/${task}`)).status).toBe(200);
    expect((await api('GET', '/plan')).status).toBe(200);

    const requests = emulator.requests();
    const denied = requests
      .map((entry) => requestAttributes(entry))
      .filter((a) => a !== undefined)
      .filter((a) => !allowedBy(rulesFor(a.namespace), a))
      .map(
        (a) =>
          `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} in ${a.namespace ?? '(cluster)'}`,
      );
    expect(requests.length).toBeGreaterThan(5);
    expect([...new Set(denied)]).toEqual([]);
  });
});
