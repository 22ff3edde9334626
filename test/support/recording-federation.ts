/**
 * A federation for core tests that records every call and answers what the test sets: members
 * are ready once joined; per service, the ready replicas and ingress a member reports; labels of
 * namespaces and workloads; whether home has taken the replicas back. It holds no workloads of
 * its own: the ingress is whatever listener the test points it at.
 */

import { OWNER_LABEL } from '../../shared/domain/names.ts';
import type { ServiceLabels, ServiceOnMember, ServiceSpec } from '../../shared/domain/services.ts';
import type {
  FederationDriver,
  MemberSpec,
  MemberStatus,
} from '../../shared/drivers/federation/federation.ts';

/** One recorded call: the method, the member, and the service names it was given. */
export interface FederationCall {
  readonly method: string;
  readonly name: string;
  readonly services?: readonly string[];
}

export class RecordingFederation implements FederationDriver {
  readonly name = 'recording';
  inClusterRouting?: boolean;
  readonly calls: FederationCall[] = [];
  /** What each service reports on a member (absent: not reported). */
  readonly onMember = new Map<string, Omit<ServiceOnMember, 'service'>>();
  /** Labels by namespace, and by `namespace/kind/name`. */
  readonly namespaceLabels: Record<string, Record<string, string>> = {};
  readonly workloadLabels: Record<string, Record<string, string>> = {};
  /** Whether home reports the replicas ready again after `unplace`. */
  homeReady = true;
  readonly #members = new Map<string, MemberStatus>();

  /** Names of the services passed to `place`, over every call. */
  placed(): string[] {
    return [...new Set(this.calls.filter((c) => c.method === 'place').flatMap((c) => c.services ?? []))];
  }

  async join(member: MemberSpec): Promise<void> {
    this.calls.push({ method: 'join', name: member.name });
    this.#members.set(member.name, {
      name: member.name,
      ready: true,
      cordoned: false,
      evicted: false,
      labels: member.labels,
    });
  }
  async status(name: string): Promise<MemberStatus | undefined> {
    return this.#members.get(name);
  }
  async cordon(name: string): Promise<void> {
    this.calls.push({ method: 'cordon', name });
  }
  async uncordon(name: string): Promise<void> {
    this.calls.push({ method: 'uncordon', name });
  }
  async evict(name: string): Promise<void> {
    this.calls.push({ method: 'evict', name });
  }
  async place(name: string, services: readonly ServiceSpec[]): Promise<void> {
    this.calls.push({ method: 'place', name, services: services.map((s) => s.name) });
  }
  async serviceStatus(name: string, services: readonly ServiceSpec[]): Promise<ServiceOnMember[]> {
    this.calls.push({ method: 'serviceStatus', name, services: services.map((s) => s.name) });
    return services.flatMap((s) => {
      const on = this.onMember.get(s.name);
      return on ? [{ service: s.name, ...on }] : [];
    });
  }
  async unplace(name: string, services: readonly ServiceSpec[]) {
    this.calls.push({ method: 'unplace', name, services: services.map((s) => s.name) });
    return this.homeReady
      ? { done: true, why: 'home reports every replica ready' }
      : { done: false, why: 'home has 0 of 2 replicas ready' };
  }
  async labels(services: readonly ServiceSpec[]): Promise<ServiceLabels[]> {
    this.calls.push({ method: 'labels', name: '', services: services.map((s) => s.name) });
    return services.map((s) => ({
      service: s.name,
      namespaceLabels: Object.fromEntries(
        [...s.workloads.map((w) => w.namespace), s.expose.namespace].map((ns) => [
          ns,
          this.namespaceLabels[ns] ?? {},
        ]),
      ),
      workloadLabels: Object.fromEntries(
        s.workloads.map((w) => {
          const key = `${w.namespace}/${w.kind}/${w.name}`;
          return [key, this.workloadLabels[key] ?? {}];
        }),
      ),
    }));
  }
  async leave(name: string): Promise<'left' | 'pending'> {
    this.calls.push({ method: 'leave', name });
    this.#members.delete(name);
    return 'left';
  }
  async list(owner: string): Promise<MemberStatus[]> {
    return [...this.#members.values()].filter((m) => m.labels[OWNER_LABEL] === owner);
  }
}
