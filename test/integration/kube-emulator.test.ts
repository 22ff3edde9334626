// Over ~350 lines on purpose: the emulator's fidelity to a real API server's answers and object semantics, in one table of cases.
import {
  ApiextensionsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEmulator, KubeObject } from '../support/kube-emulator/index.ts';
import { crdManifest, failureOf, startKubeEmulator } from '../support/kube-emulator/index.ts';

const OPTIMISTIC_LOCK =
  'the object has been modified; please apply your changes to the latest version and try again';
const WIDGETS = { group: 'example.com', version: 'v1', plural: 'widgets' } as const;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

let emulator: KubeEmulator;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}`;

function widget(name: string, spec: Record<string, unknown> = { size: 1 }): KubeObject {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name }, spec };
}

async function createWidget(name: string, labels?: Record<string, string>): Promise<KubeObject> {
  const body = widget(name);
  if (labels) body.metadata.labels = labels;
  return (await custom.createNamespacedCustomObject({
    ...WIDGETS,
    namespace: 'default',
    body,
  })) as KubeObject;
}

beforeAll(async () => {
  emulator = await startKubeEmulator({ name: 'fidelity' });
  const kc = emulator.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  // loadYaml turns the manifest into client-node's typed model; a plain object would lose
  // `x-kubernetes-preserve-unknown-fields` in client-node's serializer, and the server would
  // then prune every field of the widgets.
  const manifest = crdManifest({ group: 'example.com', kind: 'Widget', plural: 'widgets', versions: ['v1'] });
  await kc.makeApiClient(ApiextensionsV1Api).createCustomResourceDefinition({
    body: loadYaml<V1CustomResourceDefinition>(JSON.stringify(manifest)),
  });
});

afterAll(async () => {
  await emulator.stop();
});

interface FidelityRow {
  readonly request: string;
  readonly act: () => Promise<unknown>;
  readonly code: number;
  readonly reason: string;
  readonly message: string | RegExp;
  readonly details: Record<string, unknown>;
}

const FIDELITY: readonly FidelityRow[] = [
  {
    request: 'PUT of a custom resource with a stale resourceVersion',
    act: async () => {
      const w = await createWidget('stale-put');
      await custom.patchNamespacedCustomObject(
        { ...WIDGETS, namespace: 'default', name: 'stale-put', body: { spec: { size: 2 } } },
        merge,
      );
      return custom.replaceNamespacedCustomObject({
        ...WIDGETS,
        namespace: 'default',
        name: 'stale-put',
        body: w,
      });
    },
    code: 409,
    reason: 'Conflict',
    message: `Operation cannot be fulfilled on widgets.example.com "stale-put": ${OPTIMISTIC_LOCK}`,
    details: { name: 'stale-put', group: 'example.com', kind: 'widgets' },
  },
  {
    request: 'merge patch of a ConfigMap carrying a stale resourceVersion',
    act: async () => {
      const cm = await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'stale-patch' } },
      });
      await core.patchNamespacedConfigMap(
        { namespace: 'default', name: 'stale-patch', body: { data: { a: '1' } } },
        merge,
      );
      const body = { metadata: { resourceVersion: cm.metadata?.resourceVersion }, data: { a: '2' } };
      return core.patchNamespacedConfigMap({ namespace: 'default', name: 'stale-patch', body }, merge);
    },
    code: 409,
    reason: 'Conflict',
    message: `Operation cannot be fulfilled on configmaps "stale-patch": ${OPTIMISTIC_LOCK}`,
    details: { name: 'stale-patch', kind: 'configmaps' },
  },
  {
    request: 'creating the same custom resource twice',
    act: async () => {
      await createWidget('twice');
      return createWidget('twice');
    },
    code: 409,
    reason: 'AlreadyExists',
    message: 'widgets.example.com "twice" already exists',
    details: { name: 'twice', group: 'example.com', kind: 'widgets' },
  },
  {
    request: 'creating the same namespace twice',
    act: async () => {
      await core.createNamespace({ body: { metadata: { name: 'ns-twice' } } });
      return core.createNamespace({ body: { metadata: { name: 'ns-twice' } } });
    },
    code: 409,
    reason: 'AlreadyExists',
    message: 'namespaces "ns-twice" already exists',
    details: { name: 'ns-twice', kind: 'namespaces' },
  },
  {
    request: 'GET of a missing Secret',
    act: () => core.readNamespacedSecret({ namespace: 'default', name: 'missing' }),
    code: 404,
    reason: 'NotFound',
    message: 'secrets "missing" not found',
    details: { name: 'missing', kind: 'secrets' },
  },
  {
    request: 'GET of a missing custom resource',
    act: () => custom.getNamespacedCustomObject({ ...WIDGETS, namespace: 'default', name: 'missing' }),
    code: 404,
    reason: 'NotFound',
    message: 'widgets.example.com "missing" not found',
    details: { name: 'missing', group: 'example.com', kind: 'widgets' },
  },
  {
    request: 'GET of a missing Lease',
    act: () =>
      emulator
        .kubeConfig()
        .makeApiClient(CoordinationV1Api)
        .readNamespacedLease({ namespace: 'default', name: 'missing' }),
    code: 404,
    reason: 'NotFound',
    message: 'leases.coordination.k8s.io "missing" not found',
    details: { name: 'missing', group: 'coordination.k8s.io', kind: 'leases' },
  },
  {
    request: 'creating in a namespace that does not exist',
    act: () => core.createNamespacedSecret({ namespace: 'ghost', body: { metadata: { name: 's' } } }),
    code: 404,
    reason: 'NotFound',
    message: 'namespaces "ghost" not found',
    details: { name: 'ghost', kind: 'namespaces' },
  },
  {
    request: 'a namespace name that is not a DNS-1123 label',
    act: () => core.createNamespace({ body: { metadata: { name: 'Bad_Name' } } }),
    code: 422,
    reason: 'Invalid',
    message:
      "Namespace \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    details: { name: 'Bad_Name', kind: 'Namespace' },
  },
  {
    request: 'a custom resource name that is not a DNS-1123 subdomain',
    act: () => createWidget('Bad_Name'),
    code: 422,
    reason: 'Invalid',
    message:
      /^Widget\.example\.com "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/,
    details: { name: 'Bad_Name', group: 'example.com', kind: 'Widget' },
  },
  {
    request: 'a ConfigMap without a name',
    act: () => core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: {} } }),
    code: 422,
    reason: 'Invalid',
    message: 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    details: { name: '', kind: 'ConfigMap' },
  },
  {
    request: 'a merge-patch body sent without a Content-Type option (client-node defaults to JSON patch)',
    act: async () => {
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'default-patch' } },
      });
      return core.patchNamespacedConfigMap({
        namespace: 'default',
        name: 'default-patch',
        body: { data: { a: '1' } },
      });
    },
    code: 400,
    reason: 'BadRequest',
    message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    details: {},
  },
  {
    request: 'a label value with a colon',
    act: () =>
      core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'lbl', labels: { a: 'x:y' } } },
      }),
    code: 422,
    reason: 'Invalid',
    message:
      /^ConfigMap "lbl" is invalid: metadata\.labels: Invalid value: "x:y": a valid label must be an empty string/,
    details: { name: 'lbl', kind: 'ConfigMap' },
  },
];

describe('kube emulator fidelity: failures are worded like a real API server', () => {
  it.each(FIDELITY)('$request answers $code $reason', async (row) => {
    const { code, status } = await failureOf(row.act());
    expect(code).toBe(row.code);
    expect(status).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: row.reason,
      code: row.code,
    });
    if (typeof row.message === 'string') expect(status.message).toBe(row.message);
    else expect(status.message).toMatch(row.message);
    if (Object.keys(row.details).length === 0) expect(status.details).toBeUndefined();
    else expect(status.details).toMatchObject(row.details);
    if (!('group' in row.details)) expect(status.details?.group).toBeUndefined();
  });

  it('names the offending field in the causes of an Invalid status', async () => {
    const { status } = await failureOf(core.createNamespace({ body: { metadata: { name: 'x.y' } } }));
    expect(status.details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "x.y": must not contain dots',
        field: 'metadata.name',
      },
    ]);
  });

  it('refuses an unconditional PUT of a custom resource, as custom resources require a resourceVersion', async () => {
    await createWidget('unconditional');
    const { code, status } = await failureOf(
      custom.replaceNamespacedCustomObject({
        ...WIDGETS,
        namespace: 'default',
        name: 'unconditional',
        body: widget('unconditional'),
      }),
    );
    expect(code).toBe(422);
    expect(status.message).toBe(
      'Widget.example.com "unconditional" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );
  });

  it('accepts RBAC names with colons, which are path segments rather than DNS names', async () => {
    const rbac = emulator.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    const role = await rbac.createClusterRole({
      body: { metadata: { name: 'karmada-controller-manager:karmada-m1' }, rules: [] },
    });
    expect(role.metadata?.name).toBe('karmada-controller-manager:karmada-m1');
  });
});

describe('kube emulator object semantics', () => {
  it('assigns uid, creationTimestamp, generation 1 and a numeric string resourceVersion on create', async () => {
    const w = await createWidget(unique('meta'));
    expect(w.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(w.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(w.metadata.generation).toBe(1);
    expect(w.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  it('bumps generation on spec changes only, and keeps the resourceVersion on a no-op patch', async () => {
    const name = unique('gen');
    const created = await createWidget(name);
    const ref = { ...WIDGETS, namespace: 'default', name };
    const labelled = (await custom.patchNamespacedCustomObject(
      { ...ref, body: { metadata: { labels: { a: 'b' } } } },
      merge,
    )) as KubeObject;
    expect(labelled.metadata.generation).toBe(1);
    expect(Number(labelled.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
    const same = (await custom.patchNamespacedCustomObject(
      { ...ref, body: { metadata: { labels: { a: 'b' } } } },
      merge,
    )) as KubeObject;
    expect(same.metadata.resourceVersion).toBe(labelled.metadata.resourceVersion);
    const resized = (await custom.patchNamespacedCustomObject(
      { ...ref, body: { spec: { size: 5 } } },
      merge,
    )) as KubeObject;
    expect(resized.metadata.generation).toBe(2);
    const withStatus = (await custom.patchNamespacedCustomObjectStatus(
      { ...ref, body: { status: { phase: 'Up' } } },
      merge,
    )) as KubeObject;
    expect(withStatus.metadata.generation).toBe(2);
  });

  it('applies a JSON patch, and answers 422 when its test operation fails', async () => {
    const name = unique('jp');
    await createWidget(name);
    const ref = { ...WIDGETS, namespace: 'default', name };
    const patched = (await custom.patchNamespacedCustomObject(
      {
        ...ref,
        body: [
          { op: 'test', path: '/spec/size', value: 1 },
          { op: 'replace', path: '/spec/size', value: 3 },
          { op: 'add', path: '/spec/tags', value: ['a'] },
        ],
      },
      jsonPatch,
    )) as KubeObject;
    expect(patched.spec).toEqual({ size: 3, tags: ['a'] });
    const { code, status } = await failureOf(
      custom.patchNamespacedCustomObject(
        { ...ref, body: [{ op: 'test', path: '/spec/size', value: 1 }] },
        jsonPatch,
      ),
    );
    expect([code, status.reason]).toEqual([422, 'Invalid']);
  });

  it('treats a strategic merge patch as a merge patch (lists replaced whole)', async () => {
    const name = unique('smp');
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name }, data: { a: '1', b: '2' } },
    });
    const cm = await core.patchNamespacedConfigMap(
      { namespace: 'default', name, body: { data: { b: null, c: '3' } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(cm.data).toEqual({ a: '1', c: '3' });
  });

  it('lists by label selector with the set-based operators', async () => {
    await createWidget('sel-a', { tier: 'web', env: 'prod' });
    await createWidget('sel-b', { tier: 'db', env: 'prod' });
    await createWidget('sel-c', { tier: 'web' });
    const names = async (labelSelector: string) => {
      const list = (await custom.listNamespacedCustomObject({
        ...WIDGETS,
        namespace: 'default',
        labelSelector,
      })) as { items: KubeObject[] };
      return list.items.map((o) => o.metadata.name).filter((x) => x?.startsWith('sel-'));
    };
    expect(await names('tier=web')).toEqual(['sel-a', 'sel-c']);
    expect(await names('tier==web,env=prod')).toEqual(['sel-a']);
    expect(await names('tier!=web')).toEqual(['sel-b']);
    expect(await names('tier in (db, web),env')).toEqual(['sel-a', 'sel-b']);
    expect(await names('tier notin (web)')).toEqual(['sel-b']);
    expect(await names('tier,!env')).toEqual(['sel-c']);
  });

  it('lists by field selector on metadata.name across all namespaces', async () => {
    await core.createNamespace({ body: { metadata: { name: 'fs-other' } } });
    await core.createNamespacedConfigMap({
      namespace: 'fs-other',
      body: { metadata: { name: 'fs-target' } },
    });
    const list = await core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.name=fs-target' });
    expect(list.items.map((c) => `${c.metadata?.namespace}/${c.metadata?.name}`)).toEqual([
      'fs-other/fs-target',
    ]);
  });

  it('serves discovery well enough for the generic KubernetesObjectApi to find a CRD kind', async () => {
    const client = KubernetesObjectApi.makeApiClient(emulator.kubeConfig());
    const created = await client.create({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'generic', namespace: 'default' },
    });
    expect((created as KubeObject).metadata.uid).toBeDefined();
    const read = await client.read({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'generic', namespace: 'default' },
    });
    expect(read.metadata?.name).toBe('generic');
  });

  it('folds Secret stringData into base64 data', async () => {
    const s = await core.createNamespacedSecret({
      namespace: 'default',
      body: { metadata: { name: unique('sd') }, stringData: { k: 'v' } },
    });
    expect(s.data).toEqual({ k: Buffer.from('v').toString('base64') });
    expect(s.type).toBe('Opaque');
  });
});
