// Over ~350 lines on purpose: the emulator's object behaviours a real API server documents (finalizers, status, pruning, namespace deletion, tokens), each against its upstream source.
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KARMADA_CLUSTER_CRD } from '../support/karmada-controller.ts';
import type { KubeEmulator, KubeObject } from '../support/kube-emulator/index.ts';
import { crdManifest, failureOf, isNotFound, startKubeEmulator } from '../support/kube-emulator/index.ts';

const GADGETS = { group: 'example.com', version: 'v1', plural: 'gadgets' } as const;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let emulator: KubeEmulator;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}`;

beforeAll(async () => {
  emulator = await startKubeEmulator({
    name: 'behaviours',
    crds: [
      {
        group: 'example.com',
        kind: 'Gadget',
        plural: 'gadgets',
        versions: ['v1'],
        scope: 'Namespaced',
        status: true,
      },
    ],
  });
  core = emulator.kubeConfig().makeApiClient(CoreV1Api);
  custom = emulator.kubeConfig().makeApiClient(CustomObjectsApi);
});

afterAll(async () => {
  await emulator.stop();
});

async function createGadget(
  name: string,
  extra: Partial<KubeObject> = {},
  namespace = 'default',
): Promise<KubeObject> {
  const body = {
    apiVersion: 'example.com/v1',
    kind: 'Gadget',
    metadata: { name },
    spec: { size: 1 },
    ...extra,
  };
  return (await custom.createNamespacedCustomObject({ ...GADGETS, namespace, body })) as KubeObject;
}

describe('finalizers and deletionTimestamp', () => {
  it('keeps an object with finalizers after delete until an update removes the last finalizer', async () => {
    const name = unique('fin');
    await createGadget(name, { metadata: { name, finalizers: ['example.com/a', 'example.com/b'] } });
    const ref = { ...GADGETS, namespace: 'default', name };
    const deleted = (await custom.deleteNamespacedCustomObject(ref)) as KubeObject;
    expect(deleted.metadata.deletionTimestamp).toBeDefined();
    const still = (await custom.getNamespacedCustomObject(ref)) as KubeObject;
    expect(still.metadata.deletionTimestamp).toBe(deleted.metadata.deletionTimestamp);
    await custom.patchNamespacedCustomObject(
      { ...ref, body: { metadata: { finalizers: ['example.com/b'] } } },
      merge,
    );
    expect(((await custom.getNamespacedCustomObject(ref)) as KubeObject).metadata.finalizers).toEqual([
      'example.com/b',
    ]);
    await custom.patchNamespacedCustomObject({ ...ref, body: { metadata: { finalizers: null } } }, merge);
    expect((await failureOf(custom.getNamespacedCustomObject(ref))).code).toBe(404);
  });

  it('refuses to add a finalizer to an object that is being deleted', async () => {
    const name = unique('fin-add');
    await createGadget(name, { metadata: { name, finalizers: ['example.com/a'] } });
    const ref = { ...GADGETS, namespace: 'default', name };
    await custom.deleteNamespacedCustomObject(ref);
    const body = { metadata: { finalizers: ['example.com/a', 'example.com/new'] } };
    const { code, status } = await failureOf(custom.patchNamespacedCustomObject({ ...ref, body }, merge));
    expect([code, status.reason]).toEqual([422, 'Invalid']);
    expect(status.message).toContain('no new finalizers can be added if the object is being deleted');
  });
});

describe('status subresource', () => {
  it('ignores .status on the main endpoint and drops it on create', async () => {
    const name = unique('st');
    const created = await createGadget(name, { status: { phase: 'Forged' } });
    expect(created.status).toBeUndefined();
    const ref = { ...GADGETS, namespace: 'default', name };
    const patched = (await custom.patchNamespacedCustomObject(
      { ...ref, body: { spec: { size: 2 }, status: { phase: 'Forged' } } },
      merge,
    )) as KubeObject;
    expect(patched.spec).toEqual({ size: 2 });
    expect(patched.status).toBeUndefined();
  });

  it('changes only .status through /status, with resourceVersion preconditions', async () => {
    const name = unique('st2');
    const created = await createGadget(name);
    const ref = { ...GADGETS, namespace: 'default', name };
    const body = { ...created, spec: { size: 99 }, status: { phase: 'Ready' } };
    const updated = (await custom.replaceNamespacedCustomObjectStatus({ ...ref, body })) as KubeObject;
    expect(updated.status).toEqual({ phase: 'Ready' });
    expect(updated.spec).toEqual({ size: 1 });
    const { status } = await failureOf(custom.replaceNamespacedCustomObjectStatus({ ...ref, body }));
    expect(status.reason).toBe('Conflict');
  });
});

describe('pruning by the structural schema', () => {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          size: { type: 'integer' },
          tags: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' } } } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
      status: { type: 'object', properties: { phase: { type: 'string' } } },
    },
  };
  const crd = (version: string) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'sprockets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { kind: 'Sprocket', listKind: 'SprocketList', plural: 'sprockets', singular: 'sprocket' },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources: { status: {} },
        },
      ],
    },
  });
  const SPROCKETS = {
    group: 'example.com',
    version: 'v1',
    plural: 'sprockets',
    namespace: 'default',
  } as const;

  it('drops fields the schema does not declare on create, update and status writes, and keeps metadata whole', async () => {
    emulator.create(crd('v1'));
    const created = (await custom.createNamespacedCustomObject({
      ...SPROCKETS,
      body: {
        apiVersion: 'example.com/v1',
        kind: 'Sprocket',
        metadata: { name: 'sp-1', labels: { a: 'b' }, annotations: { 'example.com/x': 'y' } },
        spec: {
          size: 3,
          colour: 'red',
          tags: [{ key: 'k', value: 'v' }],
          labels: { any: 'thing' },
          free: { deep: { er: 1 } },
        },
        extra: true,
      },
    })) as KubeObject;
    expect(created.spec).toEqual({
      size: 3,
      tags: [{ key: 'k' }],
      labels: { any: 'thing' },
      free: { deep: { er: 1 } },
    });
    expect(created.extra).toBeUndefined();
    expect(created.metadata).toMatchObject({ labels: { a: 'b' }, annotations: { 'example.com/x': 'y' } });
    const status = (await custom.patchNamespacedCustomObjectStatus(
      { ...SPROCKETS, name: 'sp-1', body: { status: { phase: 'Ready', undeclared: 'gone' } } },
      merge,
    )) as KubeObject;
    expect(status.status).toEqual({ phase: 'Ready' });
  });
});

describe('pruning by the upstream schemas the federation and provider fakes install', () => {
  it('drops a Karmada Cluster field the karmada-apiserver does not know, and keeps the ones it does', async () => {
    emulator.create(crdManifest(KARMADA_CLUSTER_CRD));
    const created = emulator.create({
      apiVersion: 'cluster.karmada.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'member-1' },
      spec: { syncMode: 'Push', apiEndpoint: 'https://203.0.113.5:6443', region: 'eu', colour: 'red' },
    });
    expect(created.spec).toEqual({ syncMode: 'Push', apiEndpoint: 'https://203.0.113.5:6443', region: 'eu' });
  });
});

describe('namespace deletion', () => {
  it('removes the objects inside, then the namespace itself', async () => {
    const ns = unique('doomed');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 's' }, stringData: { a: 'b' } },
    });
    // A finalizer holds one object, so the namespace stays Terminating however fast the
    // controller empties it (on a loaded machine it could otherwise be gone before the create).
    const held = { metadata: { name: 'g', finalizers: ['example.com/hold'] } };
    await createGadget('g', held, ns);
    const deleting = await core.deleteNamespace({ name: ns });
    expect((deleting as { status?: { phase?: string } }).status?.phase).toBe('Terminating');
    const forbidden = await failureOf(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late' } } }),
    );
    expect([forbidden.code, forbidden.status.reason]).toEqual([403, 'Forbidden']);
    const gadget = { apiVersion: 'example.com/v1', kind: 'Gadget', namespace: ns, name: 'g' };
    await vi.waitFor(() => {
      if (!emulator.get(gadget)?.metadata.deletionTimestamp) throw new Error('gadget not yet deleting');
    });
    emulator.patch(gadget, { metadata: { finalizers: [] } });
    await vi.waitFor(
      async () => {
        const value = await (async () =>
          (await isNotFound(core.readNamespace({ name: ns }))) ? true : undefined)();
        if (value === undefined) throw new Error('condition not met');
        return value;
      },
      { timeout: 10_000, interval: 10 },
    );
    expect(emulator.objects({ namespace: ns })).toEqual([]);
  });
});

describe('token controller', () => {
  it('fills token, ca.crt and namespace into a service-account token Secret, and the token authenticates', async () => {
    await core.createNamespacedServiceAccount({
      namespace: 'default',
      body: { metadata: { name: 'robot' } },
    });
    await core.createNamespacedSecret({
      namespace: 'default',
      body: {
        metadata: { name: 'robot-token', annotations: { 'kubernetes.io/service-account.name': 'robot' } },
        type: 'kubernetes.io/service-account-token',
      },
    });
    const secret = await vi.waitFor(
      async () => {
        const value = await (async () => {
          const s = await core.readNamespacedSecret({ namespace: 'default', name: 'robot-token' });
          return s.data?.token ? s : undefined;
        })();
        if (value === undefined) throw new Error('condition not met');
        return value;
      },
      { timeout: 10_000, interval: 10 },
    );
    expect(Buffer.from(secret.data!['ca.crt']!, 'base64').toString()).toBe(emulator.caCrt);
    expect(Buffer.from(secret.data!.namespace!, 'base64').toString()).toBe('default');
    expect(secret.metadata?.annotations?.['kubernetes.io/service-account.uid']).toMatch(/^[0-9a-f-]{36}$/);
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: emulator.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: Buffer.from(secret.data!.token!, 'base64').toString() }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const list = await kc.makeApiClient(CoreV1Api).listNamespace();
    expect(list.items.length).toBeGreaterThan(0);
  });

  it('deletes a token Secret whose service account does not exist', async () => {
    await core.createNamespacedSecret({
      namespace: 'default',
      body: {
        metadata: { name: 'orphan-token', annotations: { 'kubernetes.io/service-account.name': 'nobody' } },
        type: 'kubernetes.io/service-account-token',
      },
    });
    await vi.waitFor(
      async () => {
        const value = await (async () =>
          (await isNotFound(core.readNamespacedSecret({ namespace: 'default', name: 'orphan-token' })))
            ? true
            : undefined)();
        if (value === undefined) throw new Error('condition not met');
        return value;
      },
      { timeout: 10_000, interval: 10 },
    );
  });

  it('answers 401 Unauthorized to an unknown token', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: emulator.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'not-a-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const { code, status } = await failureOf(kc.makeApiClient(CoreV1Api).listNamespace());
    expect(code).toBe(401);
    expect(status === undefined || status.reason === 'Unauthorized').toBe(true);
  });
});

describe('fault injection and the request log', () => {
  it('answers the next matching request with a 500 InternalError Status, then recovers', async () => {
    emulator.faults.failNext(1, { method: 'GET', path: /\/configmaps\// });
    const { code, status } = await failureOf(
      core.readNamespacedConfigMap({ namespace: 'default', name: 'any' }),
    );
    expect([code, status.reason]).toEqual([500, 'InternalError']);
    expect((await failureOf(core.readNamespacedConfigMap({ namespace: 'default', name: 'any' }))).code).toBe(
      404,
    );
  });

  it('fails the k-th matching call when asked to skip the first ones', async () => {
    emulator.faults.failNext(1, { method: 'POST', skip: 1 });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: unique('k0') } },
    });
    expect(
      (
        await failureOf(
          core.createNamespacedConfigMap({
            namespace: 'default',
            body: { metadata: { name: unique('k1') } },
          }),
        )
      ).code,
    ).toBe(500);
    expect(emulator.faults.pending()).toBe(0);
  });

  it('applies the request before failing its answer when the fault is injected after', async () => {
    const name = unique('after');
    emulator.faults.failNext(1, { method: 'POST', when: 'after' });
    expect(
      (
        await failureOf(
          core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name } } }),
        )
      ).code,
    ).toBe(500);
    expect((await core.readNamespacedConfigMap({ namespace: 'default', name })).metadata?.name).toBe(name);
  });

  it('drops the connection without an answer', async () => {
    emulator.faults.dropNext(1);
    const error = await core.listNamespace().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ApiException);
    expect(emulator.requests().at(-1)).toMatchObject({ status: 0, injected: true });
  });

  it('delays matching requests by the configured latency', async () => {
    emulator.faults.setLatency(150, { path: /\/namespaces$/ });
    const started = performance.now();
    await core.listNamespace();
    emulator.faults.setLatency(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('logs method, path and status of every request', async () => {
    emulator.clearRequests();
    await core.readNamespace({ name: 'default' });
    await failureOf(core.readNamespace({ name: 'nope' }));
    expect(emulator.requests().map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/api/v1/namespaces/default', 200],
      ['GET', '/api/v1/namespaces/nope', 404],
    ]);
  });
});

describe('several emulators', () => {
  it('run at once with separate objects, tokens and ports', async () => {
    const other = await startKubeEmulator({ name: 'member' });
    try {
      const otherCore = other.kubeConfig().makeApiClient(CoreV1Api);
      await otherCore.createNamespace({ body: { metadata: { name: 'only-in-member' } } });
      expect(other.url).not.toBe(emulator.url);
      expect(other.token).not.toBe(emulator.token);
      expect((await failureOf(core.readNamespace({ name: 'only-in-member' }))).code).toBe(404);
    } finally {
      await other.stop();
    }
  });
});

describe('watch', () => {
  it('streams ADDED for existing objects and later changes', async () => {
    const ns = unique('watched');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'first' } } });
    const seen: string[] = [];
    const controller = await new Watch(emulator.kubeConfig()).watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      {},
      (phase, obj: KubeObject) => seen.push(`${phase} ${obj.metadata.name}`),
      () => undefined,
    );
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'second' } } });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'first' });
    await vi.waitFor(
      async () => {
        const value = await (() => (seen.length >= 3 ? true : undefined))();
        if (value === undefined) throw new Error('condition not met');
        return value;
      },
      { timeout: 10_000, interval: 10 },
    );
    controller.abort();
    expect(seen).toEqual(['ADDED first', 'ADDED second', 'DELETED first']);
  });
});
