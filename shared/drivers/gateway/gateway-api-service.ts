import { isIP } from 'node:net';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { BURST_ID_LABEL } from '../../domain/names.ts';

/** Labels on every Service and EndpointSlice we create: who manages it, and for which burst. */
export const MANAGED_BY = { label: 'app.kubernetes.io/managed-by', value: 'clusterburst' } as const;

/** What the backend Service of one burst cluster points at. */
export interface BackendTarget {
  readonly name: string;
  readonly namespace: string;
  readonly burstId: string;
  /** An IP (Service without selector + EndpointSlice) or a host name (ExternalName Service). */
  readonly address: string;
  readonly ports: readonly number[];
}

/** Whether a Service or EndpointSlice carries our managed-by label (we delete nothing else). */
export function isOurs(object: {
  readonly metadata?: { readonly labels?: Record<string, string> };
}): boolean {
  return object.metadata?.labels?.[MANAGED_BY.label] === MANAGED_BY.value;
}

/**
 * The Service a backendRef names. For an IP it has no selector (its endpoints come from our
 * EndpointSlice); for a host name it is an ExternalName Service, which needs no endpoints.
 */
export function serviceFor(t: BackendTarget): V1Service {
  const ports = [...new Set(t.ports)]
    .sort((a, b) => a - b)
    .map((port) => ({
      name: portName(port),
      port,
      targetPort: port,
      protocol: 'TCP',
    }));
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: t.name, namespace: t.namespace, labels: labels(t) },
    spec: isIP(t.address) ? { ports } : { type: 'ExternalName', externalName: t.address, ports },
  };
}

/** The EndpointSlice giving a selector-less Service its one address (IPs only). */
export function endpointSliceFor(t: BackendTarget): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: t.name,
      namespace: t.namespace,
      labels: {
        ...labels(t),
        'kubernetes.io/service-name': t.name,
        // Tells the EndpointSlice controller this slice is not its to reconcile away.
        'endpointslice.kubernetes.io/managed-by': 'clusterburst.io',
      },
    },
    addressType: isIP(t.address) === 6 ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [t.address], conditions: { ready: true } }],
    ports: [...new Set(t.ports)]
      .sort((a, b) => a - b)
      .map((port) => ({ name: portName(port), port, protocol: 'TCP' })),
  };
}

/** The address a Service (and its slice) send to: the external name, or the slice's first address. */
export function addressOf(service: V1Service | undefined, slice: V1EndpointSlice | undefined): string {
  return service?.spec?.externalName ?? slice?.endpoints?.[0]?.addresses?.[0] ?? '';
}

/** The ports a Service of ours already exposes. */
export function portsOf(service: V1Service | undefined): number[] {
  return (service?.spec?.ports ?? []).map((p) => p.port);
}

function portName(port: number): string {
  return `tcp-${port}`;
}

function labels(t: BackendTarget): Record<string, string> {
  return { [MANAGED_BY.label]: MANAGED_BY.value, [BURST_ID_LABEL]: t.burstId };
}
