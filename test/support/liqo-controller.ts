// Over ~350 lines on purpose: one emulation of Liqo's controllers on both clusters, played in one level-triggered pass (BEHAVIOURS.md, Liqo); the scheduler and the CRDs are beside it (liqo-scheduler.ts, liqo-crds.ts).
/**
 * A small emulation of Liqo 1.x (and of the kube-scheduler, Deployment controller and kubelet
 * it relies on) over two Kubernetes emulators, home (consumer) and burst (provider), so the
 * `liqo` driver meets what the real controllers do for the objects it writes. Level-triggered:
 * every tick reconciles the current state. Each behaviour, with its upstream source, is one line
 * of the Liqo section of kube-emulator/BEHAVIOURS.md.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import type { KubeEmulator, KubeObject } from './kube-emulator/index.ts';
import { HOME_NODE, scheduleWorkloads } from './liqo-scheduler.ts';

/** A Liqo installation on one emulator: its cluster id and, at home, its key pair. */
export interface LiqoCluster {
  readonly emulator: KubeEmulator;
  readonly clusterId: string;
}

/** Options of the emulation. */
export interface LiqoControllerOptions {
  /** Pods the home cluster's own nodes can hold. @default 2 */
  readonly homePods?: number;
  /** Delay before a scheduled pod turns Ready. @default 30 */
  readonly podReadyMs?: number;
  /** Report the networking module Established (Liqo's gateways are not emulated). @default false */
  readonly networking?: boolean;
  /**
   * Home capacity once pods leave a virtual node (the load that made the home full has gone):
   * a home that is full while offloaded and has room when the services come back. @default unset
   */
  readonly homePodsWhenReclaimed?: number;
}

/** A running emulation. */
export interface LiqoController {
  /** Changes how many pods the home nodes hold (capacity added or taken). */
  setHomePods(n: number): void;
  stop(): void;
}

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const REMOTE = 'liqo.io/remote-cluster-id';
const V = (group: string) => `${group}/v1beta1`;
const AUTH = V('authentication.liqo.io');

/** Installs Liqo's cluster-id ConfigMap (and, with keys, the authentication-keys Secret) on an emulator. */
export function installLiqo(emulator: KubeEmulator, clusterId: string, liqoNamespace = 'liqo'): void {
  if (!emulator.get({ apiVersion: 'v1', kind: 'Namespace', name: liqoNamespace }))
    emulator.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: liqoNamespace } });
  emulator.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'liqo-clusterid-configmap',
      namespace: liqoNamespace,
      labels: { 'app.kubernetes.io/name': 'clusterid-configmap' },
    },
    data: { CLUSTER_ID: clusterId },
  });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = (k: string) => Buffer.from(k).toString('base64');
  emulator.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'authentication-keys', namespace: liqoNamespace },
    data: {
      privateKey: pem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      publicKey: pem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    },
  });
}

type Filter = { apiVersion?: string; kind?: string; namespace?: string; labelSelector?: string };

/**
 * An emulator whose `objects()` reads one snapshot until the next change: the emulator clones
 * every object (Liqo's CRDs are large) on each call, too slow for a controller ticking often.
 */
function cached(e: KubeEmulator): KubeEmulator & { dispose(): void } {
  let snapshot: KubeObject[] | undefined;
  const dispose = e.onChange(() => {
    snapshot = undefined;
  });
  const matches = (o: KubeObject, f: Filter) =>
    (f.apiVersion === undefined || o.apiVersion === f.apiVersion) &&
    (f.kind === undefined || o.kind === f.kind) &&
    (f.namespace === undefined || o.metadata.namespace === f.namespace) &&
    (f.labelSelector ?? '')
      .split(',')
      .filter(Boolean)
      .every((term) => {
        const [k = '', v] = term.split('=');
        const have = o.metadata.labels?.[k];
        return v === undefined ? have !== undefined : have === v;
      });
  return Object.assign(Object.create(e) as KubeEmulator, {
    objects: (f: Filter = {}) => {
      snapshot ??= e.objects().filter((o) => o.kind !== 'CustomResourceDefinition');
      return snapshot.filter((o) => matches(o, f));
    },
    get: e.get.bind(e),
    create: e.create.bind(e),
    patch: e.patch.bind(e),
    remove: e.remove.bind(e),
    dispose,
  });
}

/** Starts the emulation of Liqo on `home` (consumer) and `burst` (provider). */
export function startLiqoController(
  home: LiqoCluster,
  burst: LiqoCluster,
  options: LiqoControllerOptions = {},
): LiqoController {
  let homePods = options.homePods ?? 2;
  const readyMs = options.podReadyMs ?? 30;
  const h = cached(home.emulator);
  const b = cached(burst.emulator);
  const ref = (o: KubeObject) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name ?? '',
  });
  const homeKey = () => {
    const s = h.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'liqo', name: 'authentication-keys' });
    return createPrivateKey(Buffer.from(String(rec(s?.data).privateKey), 'base64').toString());
  };
  const status = (e: KubeEmulator, o: KubeObject, s: Obj) => {
    if (JSON.stringify(o.status ?? {}) !== JSON.stringify({ ...rec(o.status), ...s }))
      e.patch(ref(o), { status: s } as never, { subresource: 'status' });
  };
  if (!h.get({ apiVersion: 'v1', kind: 'Node', name: HOME_NODE }))
    h.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: HOME_NODE }, spec: {} });

  const authentication = () => {
    // Provider: the nonce creator fills the nonce Secret (noncecreator_controller.go).
    for (const s of b.objects({ apiVersion: 'v1', kind: 'Secret', labelSelector: 'liqo.io/nonce=true' }))
      if (!rec(s.data).nonce) b.patch(ref(s), { data: { nonce: randomBytes(32).toString('base64') } });
    // Consumer: the nonce signer signs with the cluster key (noncesigner_controller.go).
    for (const s of h.objects({
      apiVersion: 'v1',
      kind: 'Secret',
      labelSelector: 'liqo.io/signed-nonce=true',
    })) {
      const d = rec(s.data);
      if (d.nonce && !d.signedNonce)
        h.patch(ref(s), {
          data: {
            signedNonce: sign(null, Buffer.from(String(d.nonce), 'base64'), homeKey()).toString('base64'),
          },
        });
    }
    // Provider: the tenant controller checks the signature of the nonce, then issues authParams (tenant_controller.go).
    for (const t of b.objects({ apiVersion: AUTH, kind: 'Tenant' })) {
      if (t.metadata.deletionTimestamp || rec(t.status).authParams) continue;
      const spec = rec(t.spec);
      const nonce = b.objects({
        apiVersion: 'v1',
        kind: 'Secret',
        labelSelector: `liqo.io/nonce=true,${REMOTE}=${spec.clusterID}`,
      })[0];
      const n = rec(nonce?.data).nonce;
      if (!n) continue;
      let ok = false;
      try {
        const key = createPublicKey(Buffer.from(String(spec.publicKey), 'base64').toString());
        ok = verify(
          null,
          Buffer.from(String(n), 'base64'),
          key,
          Buffer.from(String(spec.signature), 'base64'),
        );
        ok &&= Buffer.from(String(spec.csr), 'base64').toString().includes('BEGIN CERTIFICATE REQUEST');
      } catch {
        ok = false;
      }
      if (!ok) continue; // upstream: a SignatureVerificationFailed event, no status
      const ca = Buffer.from(b.caCrt).toString('base64');
      status(b, t, {
        tenantNamespace: t.metadata.namespace,
        authParams: { apiServer: b.url, ca, signedCRT: ca },
      });
    }
    // Consumer: the identity controller writes the kubeconfig Secret of a ControlPlane Identity (identity_controller.go).
    for (const i of h.objects({ apiVersion: AUTH, kind: 'Identity' })) {
      if (i.metadata.deletionTimestamp || rec(rec(i.status).kubeconfigSecretRef).name) continue;
      const name = `kubeconfig-${i.metadata.name}`;
      const secret = { apiVersion: 'v1', kind: 'Secret', namespace: i.metadata.namespace, name };
      if (!h.get(secret))
        h.create({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name,
            namespace: i.metadata.namespace,
            labels: { [REMOTE]: String(rec(i.spec).clusterID) },
          },
          data: { kubeconfig: 'ZmFrZQ==' },
        });
      status(h, i, { kubeconfigSecretRef: { name } });
    }
  };

  const tenantOf = () =>
    b.objects({ apiVersion: AUTH, kind: 'Tenant', labelSelector: `${REMOTE}=${home.clusterId}` })[0];

  const offloading = () => {
    const tenant = tenantOf();
    const condition = String(rec(tenant?.spec).tenantCondition ?? 'Active');
    for (const rs of h.objects({ apiVersion: AUTH, kind: 'ResourceSlice' })) {
      const spec = rec(rs.spec);
      if (rs.metadata.deletionTimestamp || spec.providerClusterID !== burst.clusterId) continue;
      // Provider: the remote ResourceSlice controller accepts the slice of an authenticated, active tenant (remoteresourceslice_controller.go).
      if (!rec(rs.status).conditions && tenant && rec(tenant.status).authParams) {
        const accepted = condition === 'Active' ? 'Accepted' : 'Denied';
        status(h, rs, {
          conditions: [
            { type: 'Authentication', status: 'Accepted', lastTransitionTime: now() },
            { type: 'Resources', status: accepted, lastTransitionTime: now() },
          ],
          resources: accepted === 'Accepted' ? spec.resources : {},
        });
      }
      const conds = (rec(h.get(ref(rs))?.status).conditions ?? []) as Obj[];
      const identity = h.objects({ apiVersion: AUTH, kind: 'Identity', namespace: rs.metadata.namespace })[0];
      const wantsNode = rec(rs.metadata.annotations)['liqo.io/create-virtual-node'] === 'true';
      // Consumer: the virtual node creator makes a VirtualNode owned by an accepted slice (virtualnodecreator_controller.go).
      const vnRef = {
        apiVersion: V('offloading.liqo.io'),
        kind: 'VirtualNode',
        namespace: rs.metadata.namespace,
        name: rs.metadata.name ?? '',
      };
      if (
        wantsNode &&
        conds.length === 2 &&
        conds.every((c) => c.status === 'Accepted') &&
        rec(rec(identity?.status).kubeconfigSecretRef).name &&
        !h.get(vnRef)
      ) {
        const vn = h.create({
          apiVersion: vnRef.apiVersion,
          kind: 'VirtualNode',
          metadata: {
            name: vnRef.name,
            namespace: vnRef.namespace,
            labels: { [REMOTE]: String(spec.providerClusterID), 'liqo.io/resourceslice-name': vnRef.name },
            ownerReferences: [
              {
                apiVersion: AUTH,
                kind: 'ResourceSlice',
                name: vnRef.name,
                uid: rs.metadata.uid,
                controller: true,
              },
            ],
          },
          spec: {
            clusterID: spec.providerClusterID,
            createNode: true,
            kubeconfigSecretRef: { name: rec(rec(identity?.status).kubeconfigSecretRef).name },
          },
        });
        // The virtual kubelet registers the Node, labelled as a virtual node of that cluster (pkg/virtualKubelet).
        h.create({
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name: vnRef.name,
            labels: { 'liqo.io/type': 'virtual-node', [REMOTE]: String(spec.providerClusterID) },
            ownerReferences: [
              {
                apiVersion: vn.apiVersion,
                kind: 'VirtualNode',
                name: vnRef.name,
                uid: vn.metadata.uid,
                controller: true,
              },
            ],
          },
          spec: {},
        });
        status(h, vn, {
          conditions: [
            { type: 'VirtualKubelet', status: 'Running' },
            { type: 'Node', status: 'Running' },
          ],
        });
      }
    }
    // Consumer: a cordoned or drained tenant cordons the virtual nodes of that provider (liqoctl cordon tenant).
    for (const node of h.objects({
      apiVersion: 'v1',
      kind: 'Node',
      labelSelector: `liqo.io/type=virtual-node,${REMOTE}=${burst.clusterId}`,
    })) {
      const unschedulable = condition !== 'Active';
      if (Boolean(rec(node.spec).unschedulable) !== unschedulable)
        h.patch(ref(node), { spec: { unschedulable } });
      status(h, node, {
        conditions: [{ type: 'Ready', status: 'True' }],
        allocatable: rec(
          rec(
            h
              .objects({ apiVersion: AUTH, kind: 'ResourceSlice' })
              .find((r) => r.metadata.name === node.metadata.name)?.status,
          ).resources,
        ),
      });
    }
  };

  const foreignClusters = () => {
    // Consumer: the ForeignCluster controller sets each module's conditions from what exists (foreigncluster-controller/status.go).
    for (const fc of h.objects({ apiVersion: V('core.liqo.io'), kind: 'ForeignCluster' })) {
      if (fc.metadata.deletionTimestamp) continue;
      const id = String(rec(fc.spec).clusterID);
      const identity = h.objects({ apiVersion: AUTH, kind: 'Identity', labelSelector: `${REMOTE}=${id}` })[0];
      const vns = h.objects({
        apiVersion: V('offloading.liqo.io'),
        kind: 'VirtualNode',
        labelSelector: `${REMOTE}=${id}`,
      });
      const nodes = h.objects({ apiVersion: 'v1', kind: 'Node', labelSelector: `${REMOTE}=${id}` });
      const c = (type: string, s: string) => ({ type, status: s });
      status(h, fc, {
        role: vns.length ? 'Provider' : 'Unknown',
        modules: {
          networking: {
            enabled: options.networking === true,
            conditions: options.networking ? [c('NetworkConnectionStatus', 'Established')] : [],
          },
          authentication: {
            enabled: Boolean(identity),
            conditions: identity
              ? [
                  c(
                    'AuthIdentityControlPlaneStatus',
                    rec(rec(identity.status).kubeconfigSecretRef).name ? 'Ready' : 'NotReady',
                  ),
                ]
              : [],
          },
          offloading: {
            enabled: vns.length > 0,
            conditions: vns.length
              ? [
                  c('OffloadingVirtualNodeStatus', 'Ready'),
                  c('OffloadingNodeStatus', nodes.length === vns.length ? 'Ready' : 'NotReady'),
                ]
              : [],
          },
        },
      });
    }
  };

  /** Virtual nodes a namespace's offloading lets its pods go to. */
  const allowedVirtualNodes = (namespace: string): { nodes: string[]; strategy: string } => {
    const nso = h.get({
      apiVersion: V('offloading.liqo.io'),
      kind: 'NamespaceOffloading',
      namespace,
      name: 'offloading',
    });
    if (!nso || nso.metadata.deletionTimestamp) return { nodes: [], strategy: 'Local' };
    const terms = (rec(rec(nso.spec).clusterSelector).nodeSelectorTerms ?? []) as Obj[];
    const ids = terms.flatMap((t) =>
      ((t.matchExpressions ?? []) as Obj[])
        .filter((e) => e.key === REMOTE && e.operator === 'In')
        .flatMap((e) => e.values as string[]),
    );
    const nodes = h
      .objects({ apiVersion: 'v1', kind: 'Node', labelSelector: 'liqo.io/type=virtual-node' })
      .filter((n) => ids.includes(String(rec(n.metadata.labels)[REMOTE])))
      .map((n) => n.metadata.name ?? '');
    return { nodes, strategy: String(rec(nso.spec).podOffloadingStrategy ?? 'LocalAndRemote') };
  };

  const namespaceOffloadings = () => {
    // Consumer: the NamespaceOffloading controller reports the phase and the remote namespace name (DefaultName: <namespace>-<local cluster id>).
    for (const nso of h.objects({ apiVersion: V('offloading.liqo.io'), kind: 'NamespaceOffloading' })) {
      const ns = nso.metadata.namespace ?? '';
      const remote = `${ns}-${home.clusterId}`;
      const selected = allowedVirtualNodes(ns).nodes.length > 0;
      status(h, nso, {
        offloadingPhase: selected ? 'Ready' : 'NoClusterSelected',
        remoteNamespaceName: remote,
        observedGeneration: nso.metadata.generation,
      });
      if (!selected) continue;
      // Provider: the remote namespace, and the reflection of the namespace's Services with their own load-balancer address (pkg/virtualKubelet/reflection).
      if (!b.get({ apiVersion: 'v1', kind: 'Namespace', name: remote }))
        b.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: remote } });
      for (const svc of h.objects({ apiVersion: 'v1', kind: 'Service', namespace: ns })) {
        const r = { apiVersion: 'v1', kind: 'Service', namespace: remote, name: svc.metadata.name ?? '' };
        if (b.get(r)) continue;
        const made = b.create({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: r.name, namespace: remote },
          spec: { ...rec(svc.spec), clusterIP: undefined },
        });
        b.patch(
          ref(made),
          { status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } },
          { subresource: 'status' },
        );
      }
    }
    // Provider: a remote namespace whose offloading is gone is deleted (namespaceoffloading finalizer).
    for (const ns of b.objects({ apiVersion: 'v1', kind: 'Namespace' })) {
      const name = ns.metadata.name ?? '';
      if (
        !name.endsWith(`-${home.clusterId}`) ||
        name.startsWith('liqo-tenant-') ||
        ns.metadata.deletionTimestamp
      )
        continue;
      const local = name.slice(0, -home.clusterId.length - 1);
      if (allowedVirtualNodes(local).nodes.length === 0)
        b.remove({ apiVersion: 'v1', kind: 'Namespace', name });
    }
  };

  const workloads = () =>
    scheduleWorkloads({
      h,
      allowedVirtualNodes,
      homePods: () => homePods,
      reclaimed: () => {
        if (options.homePodsWhenReclaimed !== undefined)
          homePods = Math.max(homePods, options.homePodsWhenReclaimed);
      },
      readyMs,
      status,
    });

  let stopped = false;
  const timer = setInterval(() => {
    if (stopped) return;
    for (const step of [authentication, offloading, foreignClusters, namespaceOffloadings, workloads]) {
      try {
        step();
      } catch {
        // A race with the driver (an object deleted meanwhile): the next tick sees the new state.
      }
    }
  }, 25);
  return {
    setHomePods(n) {
      homePods = n;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      h.dispose();
      b.dispose();
    },
  };
}
