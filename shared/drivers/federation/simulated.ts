import { OWNER_LABEL } from '../../domain/names.ts';
import {
  type ServiceLabels,
  type ServiceOnMember,
  type ServiceSpec,
  workloadKey,
} from '../../domain/services.ts';
import { DriverError } from '../../errors.ts';
import type { FederationDriver, MemberSpec, MemberStatus } from './federation.ts';
import { SIMULATED_FEDERATION_DEFAULTS, type SimulatedFederationOptions } from './simulated-options.ts';
import { type ListenedService, SimulatedServiceListener } from './simulated-service.ts';
import { loadFederationState, type PlacementState, saveFederationState } from './simulated-state.ts';

type Member = MemberStatus & { readonly endpoint: string };

interface Placement extends PlacementState {
  readonly listener: SimulatedServiceListener;
}

/**
 * The embedded federation, after Karmada (REFERENCE.md, Karmada propagation; DESIGN.md, Services):
 * - join: the member is Ready once its API endpoint answers `/healthz` with 200, as the control
 *   plane finds out by probing (Karmada's cluster status controller).
 * - cordon / uncordon: the `cluster.karmada.io/unschedulable:NoSchedule` taint: a cordoned member
 *   gets no new placements, and what runs there stays. evict: a NoExecute taint, which Karmada
 *   only acts on with `--enable-no-execute-taint-eviction`, so it is recorded and moves nothing.
 * - place: each service gets `replicas` on the member, and its own listener on a loopback port
 *   (simulated-service.ts), as a `type: LoadBalancer` Service gets its own address: the data
 *   plane, never the API endpoint. The replicas become ready `readyAfterSeconds` after placement.
 * - serviceStatus: what a ResourceBinding's `status.aggregatedStatus[]` reports for the member:
 *   the Deployment's `readyReplicas`, the Service's `status.loadBalancer.ingress`.
 * - unplace: the replicas go back to the home clusters, which in this simulation always have the
 *   capacity, so it is done at once (the why says so); the member's listeners stop within the
 *   termination grace, in-flight requests completing.
 * - labels: the namespace and workload labels the options declare (customer protection).
 * - leave: the member's objects are deleted with it: its listeners stop (at once with `force`).
 * The real federation outlives the control plane: with `stateFile`, members and placements (on
 * the same ports) come back after a restart (`restore`); without it they live in this process.
 */
export class SimulatedFederation implements FederationDriver {
  readonly name = 'simulated';
  readonly #options: SimulatedFederationOptions;
  readonly #members = new Map<string, Member>();
  /** Keyed `member/service`. */
  readonly #placements = new Map<string, Placement>();
  /** Per member: the tail of its queued operations, so placements never race. */
  readonly #queues = new Map<string, Promise<unknown>>();
  #closed = false;
  /** Every operation, for status and tests. */
  readonly log: { readonly at: string; readonly op: string; readonly member: string }[] = [];

  constructor(options: SimulatedFederationOptions = SIMULATED_FEDERATION_DEFAULTS) {
    this.#options = options;
  }

  /** Bring back the members and placements of the state file (after a restart). */
  async restore(): Promise<void> {
    const state = this.#options.stateFile && loadFederationState(this.#options.stateFile);
    if (!state) return;
    for (const member of state.members) this.#members.set(member.name, member);
    for (const p of state.placements) await this.#start(p.member, p.service, p.readyAt, p.port);
    this.#save();
  }

  async join(member: MemberSpec): Promise<void> {
    const existing = this.#members.get(member.name);
    const ready = await probe(member.credentials.endpoint);
    this.#members.set(member.name, {
      name: member.name,
      endpoint: member.credentials.endpoint,
      ready,
      cordoned: existing?.cordoned ?? false,
      evicted: existing?.evicted ?? false,
      labels: { ...member.labels, [OWNER_LABEL]: member.owner },
      message: ready ? 'member answers /healthz' : 'member does not answer /healthz yet',
    });
    this.#save();
    if (!existing) this.#record('join', member.name);
  }

  async status(name: string): Promise<MemberStatus | undefined> {
    const member = this.#members.get(name);
    if (!member || member.ready) return member;
    const ready = await probe(member.endpoint);
    const next = { ...member, ready };
    this.#members.set(name, next);
    return next;
  }

  async cordon(name: string): Promise<void> {
    this.#update(name, 'cordon', { cordoned: true });
  }

  async uncordon(name: string): Promise<void> {
    this.#update(name, 'uncordon', { cordoned: false });
  }

  async evict(name: string): Promise<void> {
    this.#update(name, 'evict', { evicted: true });
  }

  async place(name: string, services: readonly ServiceSpec[]): Promise<void> {
    await this.#serial(name, async () => {
      // Karmada would schedule nothing on a cluster it does not have; without `stateFile` this
      // federation forgets its members on a restart while their clusters live on, so placement
      // does not ask for membership (a burst joined before the restart still gets its services).
      const member = this.#members.get(name);
      for (const service of services) {
        const placed = this.#placements.get(key(name, service.name));
        if (placed && placed.service.protocol === service.protocol) {
          placed.listener.service = listened(service);
          continue;
        }
        if (member?.cordoned && !placed) continue; // NoSchedule: no new placements
        await placed?.listener.stop(0);
        await this.#start(name, listened(service), Date.now() + this.#options.readyAfterSeconds * 1000);
        this.#record(`place ${service.name}`, name);
      }
      this.#save();
    });
  }

  async serviceStatus(name: string, services: readonly ServiceSpec[]): Promise<ServiceOnMember[]> {
    const member = this.#members.get(name);
    const replicas = this.#options.replicas;
    return services.map((service): ServiceOnMember => {
      const placed = this.#placements.get(key(name, service.name));
      if (!placed) {
        const message = member?.cordoned
          ? `not placed: member ${name} is cordoned`
          : `not placed on member ${name}`;
        return { service: service.name, desiredReplicas: 0, readyReplicas: 0, message };
      }
      const wait = Math.ceil((placed.readyAt - Date.now()) / 1000);
      const ready = placed.listener.ready;
      return {
        service: service.name,
        desiredReplicas: replicas,
        readyReplicas: ready ? replicas : 0,
        ingress: { host: '127.0.0.1', port: placed.port },
        message: ready
          ? `${replicas}/${replicas} replicas ready`
          : `0/${replicas} replicas ready, starting (about ${wait}s)`,
      };
    });
  }

  async unplace(name: string, services: readonly ServiceSpec[]): Promise<{ done: boolean; why: string }> {
    await this.#serial(name, async () => {
      const stops: Promise<void>[] = [];
      for (const service of services) {
        const placed = this.#placements.get(key(name, service.name));
        if (!placed) continue;
        this.#placements.delete(key(name, service.name));
        stops.push(placed.listener.stop(this.#graceMs()));
        this.#record(`unplace ${service.name}`, name);
      }
      this.#save();
      await Promise.all(stops);
    });
    const names = services.map((s) => s.name).join(', ') || 'no services';
    return {
      done: true,
      why: `${names} off member ${name}: the simulated home clusters always have the capacity, so their replicas are ready at home at once`,
    };
  }

  async labels(services: readonly ServiceSpec[]): Promise<ServiceLabels[]> {
    const { namespaces, workloads } = this.#options.labels;
    return services.map((service) => ({
      service: service.name,
      namespaceLabels: Object.fromEntries(
        [...new Set(service.workloads.map((w) => w.namespace))].map((ns) => [ns, namespaces[ns] ?? {}]),
      ),
      workloadLabels: Object.fromEntries(
        service.workloads.map((w) => [workloadKey(w), workloads[workloadKey(w)] ?? {}]),
      ),
    }));
  }

  async leave(name: string, options: { readonly force?: boolean } = {}): Promise<'left' | 'pending'> {
    await this.#serial(name, async () => {
      const stops = [...this.#placements.entries()]
        .filter(([, p]) => p.member === name)
        .map(([k, p]) => {
          this.#placements.delete(k);
          return p.listener.stop(options.force ? 0 : this.#graceMs());
        });
      if (this.#members.delete(name)) this.#record('leave', name);
      this.#save();
      await Promise.all(stops);
    });
    return 'left';
  }

  async list(owner: string): Promise<MemberStatus[]> {
    return [...this.#members.values()].filter((m) => m.labels[OWNER_LABEL] === owner);
  }

  /** The listener of a service on a member (tests look at what it served). */
  listener(member: string, service: string): SimulatedServiceListener | undefined {
    return this.#placements.get(key(member, service))?.listener;
  }

  /** Stop every listener at once (the state file stays, like a federation outliving us). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#queues.values()]);
    await Promise.all([...this.#placements.values()].map((p) => p.listener.stop(0)));
  }

  async #start(member: string, service: ListenedService, readyAt: number, port = 0): Promise<void> {
    const listener = new SimulatedServiceListener(service, member, readyAt);
    const bound = await listener.listen(port);
    this.#placements.set(key(member, service.name), { member, service, readyAt, port: bound, listener });
  }

  /** Run `op` after every earlier operation on the member, refusing once closed. */
  #serial(member: string, op: () => Promise<void>): Promise<void> {
    if (this.#closed) return Promise.reject(new DriverError(this.name, 'the simulated federation is closed'));
    const run = (this.#queues.get(member) ?? Promise.resolve()).catch(() => undefined).then(op);
    const tail = run.catch(() => undefined);
    this.#queues.set(member, tail);
    void tail.then(() => {
      if (this.#queues.get(member) === tail) this.#queues.delete(member);
    });
    return run;
  }

  #graceMs(): number {
    return this.#options.terminationGraceSeconds * 1000;
  }

  #update(name: string, op: string, patch: Partial<MemberStatus>): void {
    const member = this.#members.get(name);
    if (!member) return; // nothing to change on a member that is not there (teardown of a failed join)
    if (Object.entries(patch).every(([k, v]) => member[k as keyof MemberStatus] === v)) return;
    this.#members.set(name, { ...member, ...patch });
    this.#save();
    this.#record(op, name);
  }

  #save(): void {
    const file = this.#options.stateFile;
    if (!file) return;
    saveFederationState(file, {
      members: [...this.#members.values()],
      placements: [...this.#placements.values()].map(({ member, service, readyAt, port }) => ({
        member,
        service,
        readyAt,
        port,
      })),
    });
  }

  #record(op: string, member: string): void {
    this.log.push({ at: new Date().toISOString(), op, member });
  }
}

function key(member: string, service: string): string {
  return `${member}/${service}`;
}

function listened(service: ServiceSpec): ListenedService {
  return { name: service.name, protocol: service.protocol, health: service.health };
}

async function probe(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/healthz', endpoint), { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
