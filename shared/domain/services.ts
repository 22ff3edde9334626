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
  /** What the route step still waits for before it routes the service (absent once routed). */
  readonly waiting?: string;
}

/** Key of a workload in `ServiceLabels.workloadLabels`. */
export function workloadKey(w: WorkloadRef): string {
  return `${w.namespace}/${w.kind}/${w.name}`;
}

/** Whether `labels` carry the restricted label (any value, or the configured one). */
function restricted(
  labels: Readonly<Record<string, string>> | undefined,
  mark: ServiceProtection['restrictedLabel'],
): string | undefined {
  const value = labels?.[mark.key];
  if (value === undefined || (mark.value !== undefined && value !== mark.value)) return undefined;
  return `${mark.key}=${value}`;
}

/** Namespaces a service touches: its workloads' and what exposes it, in order, once each. */
export function serviceNamespaces(service: ServiceSpec): string[] {
  return [...new Set([...service.workloads.map((w) => w.namespace), service.expose.namespace])];
}

/**
 * Whether `service` may burst, and why (customer protection): only a service marked burstable,
 * whose every namespace the configuration allows, and no namespace or workload of which is
 * labelled restricted. Labels not known (the federation could not say) count as restricted:
 * protection never assumes.
 */
export function serviceEligibility(
  service: ServiceSpec,
  protection: ServiceProtection,
  labels: ServiceLabels | undefined,
): ServiceEligibility {
  const no = (why: string): ServiceEligibility => ({ service: service.name, bursts: false, why });
  if (!service.burstable) return no('not marked burstable');
  const namespaces = serviceNamespaces(service);
  const outside = namespaces.find((ns) => !protection.allowedNamespaces.includes(ns));
  if (outside !== undefined) return no(`namespace ${outside} is not in protection.allowedNamespaces`);
  if (!labels) return no('labels of its namespaces and workloads are unknown');
  for (const ns of namespaces) {
    const mark = restricted(labels.namespaceLabels[ns], protection.restrictedLabel);
    if (mark) return no(`namespace ${ns} is labelled ${mark} (restricted data)`);
  }
  for (const w of service.workloads) {
    const mark = restricted(labels.workloadLabels[workloadKey(w)], protection.restrictedLabel);
    if (mark) return no(`${w.kind} ${w.namespace}/${w.name} is labelled ${mark} (restricted data)`);
  }
  return { service: service.name, bursts: true, why: 'burstable, in an allowed namespace, not restricted' };
}

/** `serviceEligibility` of every service, and the ones that burst. */
export function eligibility(
  services: readonly ServiceSpec[],
  protection: ServiceProtection,
  labels: readonly ServiceLabels[] | undefined,
): { readonly verdicts: ServiceEligibility[]; readonly eligible: ServiceSpec[] } {
  const verdicts = services.map((s) =>
    serviceEligibility(
      s,
      protection,
      labels?.find((l) => l.service === s.name),
    ),
  );
  return { verdicts, eligible: services.filter((_, i) => verdicts[i]!.bursts) };
}
