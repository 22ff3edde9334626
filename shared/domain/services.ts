/**
 * The research infrastructure's services, as a burst sees them (DESIGN.md, Services). Three
 * things are kept apart: the cluster's API endpoint (control plane only), each service's ingress
 * on the member (the only place DNS records and gateway servers may point at), and the workloads
 * the federation places on the member. Pure: no I/O.
 */

/** A workload that serves a service, as the federation control plane names it. */
export interface WorkloadRef {
  readonly namespace: string;
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly name: string;
}

/**
 * What exposes the service on a member: a `type: LoadBalancer` Service (its
 * `status.loadBalancer.ingress`) or a Gateway (its `status.addresses`), and the port users reach.
 */
export interface ExposeRef {
  readonly kind: 'Service' | 'Gateway';
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
}

/** How a service's health is checked through its ingress. */
export type ServiceHealthCheck =
  | { readonly type: 'http'; readonly path: string; readonly expectStatus: number }
  | { readonly type: 'tcp' };

/** One service of the research infrastructure (config `services[]`, defaults applied). */
export interface ServiceSpec {
  readonly name: string;
  /** Public name users reach. */
  readonly hostname: string;
  readonly protocol: 'http' | 'tcp';
  /** Gateway backend; the service name unless set. */
  readonly backend?: string;
  /** Whether the service may burst at all (customer protection: default false). */
  readonly burstable: boolean;
  readonly workloads: readonly WorkloadRef[];
  readonly expose: ExposeRef;
  readonly health: ServiceHealthCheck;
}

/** Where services may never go, whatever else the config says. */
export interface ServiceProtection {
  /** Namespaces whose workloads may propagate at all. */
  readonly allowedNamespaces: readonly string[];
  /** A namespace or workload carrying this label (any value, or `value` if set) never propagates. */
  readonly restrictedLabel: { readonly key: string; readonly value?: string };
}

/** Labels of a service's namespace and workloads, as the federation control plane holds them. */
export interface ServiceLabels {
  readonly service: string;
  readonly namespaceLabels: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Keyed `namespace/kind/name`. */
  readonly workloadLabels: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Whether a service would burst, and why (plan and status show it). */
export interface ServiceEligibility {
  readonly service: string;
  readonly bursts: boolean;
  readonly why: string;
}

/** A service on one member, as the federation reports it. */
export interface ServiceOnMember {
  readonly service: string;
  /** Replicas the federation assigned to the member. */
  readonly desiredReplicas: number;
  readonly readyReplicas: number;
  /** The ingress users' traffic goes to (never the API server). */
  readonly ingress?: { readonly host: string; readonly port: number };
  readonly message?: string;
}

/** What the record keeps per service (GET /bursts/{id} `services[]`). */
export interface ServiceRoute {
  readonly name: string;
  /** `host:port` of the service's ingress on the burst cluster. */
  readonly ingress?: string;
  readonly readyReplicas: number;
  /** DNS and the gateway send users here. */
  readonly routed: boolean;
}

/** Key of a workload in `ServiceLabels.workloadLabels`. */
export function workloadKey(w: WorkloadRef): string {
  return `${w.namespace}/${w.kind}/${w.name}`;
}
