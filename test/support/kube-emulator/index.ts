/**
 * # Kubernetes API emulator (test code, not product)
 *
 * A loopback HTTP server that @kubernetes/client-node 1.4 reaches through an ordinary
 * kubeconfig, faithful enough that drivers tested against it behave the same on a real
 * cluster. Start as many as a test needs (federation control plane, management cluster,
 * members): each has its own port, token, objects, faults and request log.
 *
 * Implements: discovery (`/api`, `/apis`, `/api/v1`, `/apis/<g>[/<v>]`, `/version`); built-in
 * namespaces, secrets, serviceaccounts, configmaps, services, RBAC (cluster)roles and
 * (cluster)rolebindings, customresourcedefinitions, leases, plus every CRD created on it
 * (namespaced or cluster-scoped, several served versions without conversion, optional status
 * subresource); create, get, list (labelSelector =, ==, !=, in, notin, exists, !key, gt, lt;
 * fieldSelector metadata.name, metadata.namespace, secret type; limit/continue), replace,
 * merge patch, JSON patch, strategic merge patch applied as merge patch, delete (with uid and
 * resourceVersion preconditions), deletecollection, watch; uid, creationTimestamp, generation
 * (bumped when anything outside metadata and status changes), a global resourceVersion counter,
 * no-op writes keeping the resourceVersion; 409 Conflict on a stale resourceVersion, 409
 * AlreadyExists, 404 NotFound, 422 Invalid (names, labels, annotations, finalizers, CRD naming,
 * unconditional PUT of a custom resource), 403 on creating in a terminating namespace, 401 for
 * an unknown token, all as real `Status` objects; finalizers and deletionTimestamp; the status
 * subresource; namespace deletion sweeping its content; the legacy token controller; Secret
 * stringData; Service clusterIP; fault injection; a request log.
 *
 * Does not implement: authorization (RBAC objects are stored, never enforced), admission,
 * OpenAPI schema validation and defaulting of custom resources, conversion webhooks, server-side
 * apply and managedFields, dry run, garbage collection by ownerReferences, graceful deletion of
 * pods, watch history and 410 Gone, aggregated discovery, protobuf, YAML bodies.
 * See BEHAVIOURS.md beside this file for the details.
 *
 * @example
 * const emulator = await startKubeEmulator({ name: 'member-1' });
 * const core = emulator.kubeConfig().makeApiClient(CoreV1Api);
 * await core.createNamespace({ body: { metadata: { name: 'karmada-cluster' } } });
 * await emulator.stop();
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { startCrdController } from './crd-controller.ts';
import type { CrdDefinition } from './crd-manifest.ts';
import { crdManifest } from './crd-manifest.ts';
import { Faults } from './faults.ts';
import { kubeconfigYaml, loadKubeConfig } from './kubeconfig.ts';
import type { LoadBalancerController } from './member-loadbalancers.ts';
import { startLoadBalancerController } from './member-loadbalancers.ts';
import type { WorkloadKey } from './member-workloads.ts';
import { startWorkloadController } from './member-workloads.ts';
import { startNamespaceController } from './namespace-controller.ts';
import type { Json } from './patch.ts';
import type { ResourceType } from './registry.ts';
import { ResourceRegistry } from './registry.ts';
import { parseLabelSelector } from './selectors.ts';
import type { RequestLogEntry } from './server.ts';
import { createRequestHandler } from './server.ts';
import type { ChangeEvent, KubeObject } from './storage.ts';
import { ObjectStore } from './storage.ts';
import { startTokenController } from './token-controller.ts';

export { failureOf, isNotFound } from './api-error.ts';
export type { CrdDefinition } from './crd-manifest.ts';
export { crdManifest } from './crd-manifest.ts';
export type { FailOptions, FaultFilter, FaultOptions, Faults } from './faults.ts';
export type { WorkloadKey } from './member-workloads.ts';
export type { PolicyRule, RequestAttributes } from './rbac-check.ts';
export { allowedBy, deniedRequests, requestAttributes } from './rbac-check.ts';
export type { RequestLogEntry } from './server.ts';
export type { KubeStatus } from './status.ts';
export type { ChangeEvent, KubeObject, ObjectMeta } from './storage.ts';

/** Options of one emulator. */
export interface KubeEmulatorOptions {
  /** Cluster, user and context name in the kubeconfig. @default 'kube-emulator' */
  readonly name?: string;
  /** The admin bearer token. @default random */
  readonly token?: string;
  /** Default namespace of the kubeconfig context. @default 'default' */
  readonly namespace?: string;
  /** Extra namespaces to create at start (default, kube-system, kube-public, kube-node-lease always exist). */
  readonly namespaces?: readonly string[];
  /** CRDs to install at start. */
  readonly crds?: readonly CrdDefinition[];
  /** Delay before the token controller fills a token Secret. @default 50 */
  readonly tokenDelayMs?: number;
  /** Delay before the namespace controller sweeps a terminating namespace. @default 10 */
  readonly namespaceDeletionDelayMs?: number;
  /** Accept service-account tokens minted by the token controller as credentials. @default true */
  readonly acceptServiceAccountTokens?: boolean;
  /** Another bearer-token authenticator, as a cloud's webhook authenticator (EKS IAM, GKE OAuth). */
  readonly acceptToken?: (token: string) => boolean | Promise<boolean>;
  /** Serve HTTPS with this key and certificate (signed by `caPem`); the kubeconfig then verifies it. */
  readonly tls?: { readonly key: string; readonly cert: string; readonly caPem: string };
  /** With `tls`: client certificates chaining to this PEM CA authenticate (x509 client auth). */
  readonly clientCaPem?: string;
  /** Address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** Port to listen on. @default 0 (any free port) */
  readonly port?: number;
  /** Run a member cluster's controllers: workloads' status and LoadBalancer Services (BEHAVIOURS.md). */
  readonly memberControllers?: MemberControllerOptions;
}

/** What the member-side controllers do (member-workloads.ts, member-loadbalancers.ts). */
export interface MemberControllerOptions {
  /** The cluster name the data plane answers with. @default the emulator's name */
  readonly clusterName?: string;
  /** Delay before a workload's replicas are ready. @default 50 */
  readonly readyAfterMs?: number;
  /** Workloads whose replicas never become ready. */
  readonly unready?: readonly WorkloadKey[];
  /** Picks each load balancer's loopback address. @default a random 127.x.y.z */
  readonly addresses?: () => string;
}

/** The member-side controllers of a running emulator. */
export interface MemberControllers {
  /** Keep a workload's replicas unready (or let them become ready again). */
  keepUnready(workload: WorkloadKey, unready?: boolean): void;
  /** The load balancer address of a Service, once it listens. */
  addressOf(namespace: string, name: string): string | undefined;
  /** Load balancers that could not be built, by `namespace/name`. */
  readonly failures: ReadonlyMap<string, string>;
}

/** Points at one object: apiVersion and kind as in its manifest. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** Filter of `objects()`. */
export interface ObjectsFilter {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  /** Same grammar as the API's labelSelector. */
  readonly labelSelector?: string;
}

/** A running emulator. */
export interface KubeEmulator {
  readonly name: string;
  /** http://127.0.0.1:PORT, or https:// with `tls`. */
  readonly url: string;
  readonly token: string;
  /** PEM the token controller serves as `ca.crt`: the `tls` CA, else a placeholder (the server is HTTP). */
  readonly caCrt: string;
  /** The member-side controllers, when started with `memberControllers`. */
  readonly members?: MemberControllers;
  /** Kubeconfig YAML for this emulator. */
  readonly kubeconfig: string;
  /** A fresh client-node KubeConfig loaded from `kubeconfig`. */
  kubeConfig(): KubeConfig;
  readonly faults: Faults;
  /** Every stored object (storage apiVersion), optionally filtered. */
  objects(filter?: ObjectsFilter): KubeObject[];
  /** The request log since start or the last `clearRequests()`. */
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /** In-process access (no faults, not logged), for tests that play a controller. */
  get(ref: ObjectRef): KubeObject | undefined;
  create(object: KubeObject): KubeObject;
  /** Replaces an object; conditional only if it carries metadata.resourceVersion. */
  replace(object: KubeObject): KubeObject;
  /** Merge-patches an object, or its status with `{ subresource: 'status' }`. */
  patch(ref: ObjectRef, patch: Json, options?: { readonly subresource?: 'status' }): KubeObject;
  /** Deletes like the API does (finalizers keep it with a deletionTimestamp). */
  remove(ref: ObjectRef): void;
  installCrd(definition: CrdDefinition): KubeObject;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  onChange(listener: (event: ChangeEvent) => void): () => void;
  stop(): Promise<void>;
}

function fakeCaPem(): string {
  const body = randomBytes(96)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/**
 * Starts an emulator on a free loopback port.
 * @example
 * const fed = await startKubeEmulator({ name: 'federation' });
 */
export async function startKubeEmulator(options: KubeEmulatorOptions = {}): Promise<KubeEmulator> {
  const name = options.name ?? 'kube-emulator';
  const token = options.token ?? randomBytes(24).toString('hex');
  const caCrt = options.tls?.caPem ?? fakeCaPem();
  const store = new ObjectStore(new ResourceRegistry());
  const faults = new Faults();
  const log: RequestLogEntry[] = [];
  const stops = [
    startCrdController(store),
    startNamespaceController(store, { delayMs: options.namespaceDeletionDelayMs ?? 10 }),
    startTokenController(store, { delayMs: options.tokenDelayMs ?? 50, caCrt }),
  ];
  const typeOf = (apiVersion: string, kind: string): ResourceType => {
    const t = store.registry.byKind(apiVersion, kind);
    if (!t) throw new Error(`kube-emulator ${name}: no resource for ${apiVersion} ${kind}`);
    return t;
  };
  const nsType = typeOf('v1', 'Namespace');
  for (const ns of [
    'default',
    'kube-system',
    'kube-public',
    'kube-node-lease',
    ...(options.namespaces ?? []),
  ]) {
    store.create(nsType, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  const crdType = typeOf('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
  const installCrd = (d: CrdDefinition) => store.create(crdType, undefined, crdManifest(d));
  for (const d of options.crds ?? []) installCrd(d);

  let url = '';
  const handler = createRequestHandler({
    store,
    faults,
    log,
    token,
    acceptServiceAccountTokens: options.acceptServiceAccountTokens ?? true,
    acceptToken: options.acceptToken,
    serverAddress: () => url.replace(/^https?:\/\//, ''),
  });
  const { tls } = options;
  // Client certificates are asked for, never required: kube-apiserver then tries the bearer token.
  const server = tls
    ? createHttpsServer(
        {
          key: tls.key,
          cert: tls.cert,
          ...(options.clientCaPem ? { ca: options.clientCaPem, requestCert: true } : {}),
          rejectUnauthorized: false,
        },
        handler,
      )
    : createServer(handler);
  let members: MemberControllers | undefined;
  let balancers: LoadBalancerController | undefined;
  if (options.memberControllers) {
    const m = options.memberControllers;
    const unready = new Set((m.unready ?? []).map((w) => `${w.namespace}/${w.name}`));
    const workloads = startWorkloadController(store, { readyAfterMs: m.readyAfterMs ?? 50, unready });
    stops.push(() => workloads.stop());
    balancers = startLoadBalancerController(store, {
      clusterName: m.clusterName ?? name,
      ...(m.addresses && { addresses: m.addresses }),
    });
    const lb = balancers;
    members = {
      keepUnready: (w, on = true) => {
        if (on) unready.add(`${w.namespace}/${w.name}`);
        else unready.delete(`${w.namespace}/${w.name}`);
        workloads.resync();
      },
      addressOf: (namespace, serviceName) => lb.addressOf(namespace, serviceName),
      failures: lb.failures,
    };
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  }).catch(async (error: unknown) => {
    for (const stop of stops) stop();
    await balancers?.stop();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  url = `${tls ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${port}`;
  const kubeconfig = kubeconfigYaml({
    name,
    server: url,
    token,
    namespace: options.namespace ?? 'default',
    ...(tls && { caPem: tls.caPem }),
  });

  return {
    name,
    url,
    token,
    caCrt,
    ...(members && { members }),
    kubeconfig,
    kubeConfig: () => loadKubeConfig(kubeconfig),
    faults,
    objects: (filter = {}) => {
      const labels = parseLabelSelector(filter.labelSelector);
      // One kind asked for: copy only its objects (controllers poll this often, and a CRD with
      // a large schema, such as apps/v1 Deployment's, would be copied on every call otherwise).
      const type =
        filter.apiVersion && filter.kind ? store.registry.byKind(filter.apiVersion, filter.kind) : undefined;
      return (type ? store.list(type).items : store.all())
        .filter(
          (o) =>
            (filter.apiVersion === undefined || o.apiVersion === filter.apiVersion) &&
            (filter.kind === undefined || o.kind === filter.kind),
        )
        .filter((o) => filter.namespace === undefined || o.metadata.namespace === filter.namespace)
        .filter(labels);
    },
    requests: () => [...log],
    clearRequests: () => {
      log.length = 0;
    },
    get: (ref) => store.find(typeOf(ref.apiVersion, ref.kind), ref.namespace, ref.name),
    create: (o) => store.create(typeOf(o.apiVersion, o.kind), o.metadata.namespace, o),
    replace: (o) =>
      store.update(typeOf(o.apiVersion, o.kind), o.metadata.namespace, o.metadata.name ?? '', o),
    patch: (ref, p, opts = {}) =>
      store.patch(
        typeOf(ref.apiVersion, ref.kind),
        ref.namespace,
        ref.name,
        'merge',
        p,
        opts.subresource ? { subresource: 'status' } : {},
      ),
    remove: (ref) => {
      store.delete(typeOf(ref.apiVersion, ref.kind), ref.namespace, ref.name);
    },
    installCrd,
    onChange: (listener) => store.onChange(listener),
    stop: async () => {
      for (const stop of stops) stop();
      await balancers?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
