import { z } from 'zod';
import { GATEWAY_SERVER_PREFIX } from '../../domain/names.ts';

/** The route kind serving each protocol, as the Gateway API names it (TCPRoute is still alpha). */
export const ROUTE_KINDS = {
  http: { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', kind: 'HTTPRoute' },
  tcp: { group: 'gateway.networking.k8s.io', version: 'v1alpha2', plural: 'tcproutes', kind: 'TCPRoute' },
} as const;

/** Route annotation carrying our state for one server: `clusterburst.io/<server name>`. */
export const STATE_ANNOTATION_PREFIX = 'clusterburst.io/';

/** What a weight of 0 cannot say by itself: added but not enabled, or draining since when. */
export const ServerStateSchema = z.object({
  burstId: z.string(),
  state: z.enum(['disabled', 'ready', 'drain']),
  /** The weight the server gets once enabled. */
  weight: z.number().int().min(0),
  /** ISO-8601 time of the last state change. */
  since: z.string(),
});
/** Our state for one server of a route. */
export type ServerState = z.infer<typeof ServerStateSchema>;

const BackendRefSchema = z.looseObject({
  name: z.string(),
  namespace: z.string().optional(),
  group: z.string().optional(),
  kind: z.string().optional(),
  port: z.number().optional(),
  weight: z.number().optional(),
});

/**
 * An HTTPRoute or TCPRoute as far as we read it. Loose objects keep every field we do not know,
 * so writing the route back preserves them.
 */
export const RouteSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    resourceVersion: z.string().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({
    rules: z.array(z.looseObject({ backendRefs: z.array(BackendRefSchema).optional() })).optional(),
  }),
});
/** A route as read from the API server. */
export type Route = z.infer<typeof RouteSchema>;
type BackendRef = z.infer<typeof BackendRefSchema>;

/** One of our servers on a route: its backendRef and our annotation. */
export interface RouteServer {
  readonly name: string;
  readonly port: number | undefined;
  /** The backendRef's weight now (Gateway API default 1). */
  readonly weight: number;
  readonly state: ServerState | undefined;
}

/** A backendRef is ours if it names a Service with our prefix in the route's own namespace. */
export function isOurRef(ref: BackendRef): boolean {
  return (
    ref.name.startsWith(GATEWAY_SERVER_PREFIX) &&
    (ref.group ?? '') === '' &&
    (ref.kind ?? 'Service') === 'Service' &&
    ref.namespace === undefined
  );
}

/** Our servers on the route (one entry per name, even when several rules carry it). */
export function serversOf(route: Route): RouteServer[] {
  const found = new Map<string, RouteServer>();
  for (const rule of route.spec.rules ?? []) {
    for (const ref of rule.backendRefs ?? []) {
      if (!isOurRef(ref) || found.has(ref.name)) continue;
      found.set(ref.name, {
        name: ref.name,
        port: ref.port,
        weight: ref.weight ?? 1,
        state: stateOf(route, ref.name),
      });
    }
  }
  return [...found.values()];
}

/** Our annotation for `server`, if present and well-formed. */
export function stateOf(route: Route, server: string): ServerState | undefined {
  const raw = route.metadata.annotations?.[STATE_ANNOTATION_PREFIX + server];
  if (raw === undefined) return undefined;
  try {
    const parsed = ServerStateSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A copy of the route where every rule that sends to backends also sends to `server` at `weight`
 * (added if missing), with `state` recorded in its annotation. Other backendRefs are untouched.
 * Returns undefined when no rule has backendRefs (a redirect-only route has nowhere to add us).
 */
export function withServer(
  route: Route,
  server: { readonly name: string; readonly port: number | undefined; readonly weight: number },
  state: ServerState,
): Route | undefined {
  const next = structuredClone(route);
  const rules = (next.spec.rules ?? []).filter((rule) => (rule.backendRefs ?? []).length > 0);
  if (rules.length === 0) return undefined;
  for (const rule of rules) {
    const refs = rule.backendRefs ?? [];
    const existing = refs.filter((ref) => isOurRef(ref) && ref.name === server.name);
    if (existing.length === 0) {
      refs.push({
        name: server.name,
        ...(server.port === undefined ? {} : { port: server.port }),
        weight: server.weight,
      });
    }
    for (const ref of existing) ref.weight = server.weight;
  }
  next.metadata.annotations = {
    ...next.metadata.annotations,
    [STATE_ANNOTATION_PREFIX + server.name]: JSON.stringify(state),
  };
  return next;
}

/** A copy of the route without `server`'s backendRefs and annotation. */
export function withoutServer(route: Route, name: string): Route {
  const next = structuredClone(route);
  for (const rule of next.spec.rules ?? []) {
    if (rule.backendRefs)
      rule.backendRefs = rule.backendRefs.filter((ref) => !(isOurRef(ref) && ref.name === name));
  }
  if (next.metadata.annotations) {
    const { [STATE_ANNOTATION_PREFIX + name]: _dropped, ...rest } = next.metadata.annotations;
    next.metadata.annotations = rest;
  }
  return next;
}
