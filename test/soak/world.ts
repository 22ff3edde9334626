// Over ~350 lines on purpose: the soak's one world (providers, federation, DNS, gateway on a virtual clock) wired together; the models are beside it.
import { clusterHealth } from '../../shared/core/cluster-health.ts';
import type { Deps } from '../../shared/core/deps.ts';
import { handleEvent } from '../../shared/core/handle-event.ts';
import { handleSignal } from '../../shared/core/handle-signal.ts';
import { reconcile } from '../../shared/core/reconcile.ts';
import { scaleDown } from '../../shared/core/scale-down.ts';
import { drain } from '../../shared/core/steps/drain.ts';
import type { CapacitySignal } from '../../shared/domain/capacity-signal.ts';
import { isLive } from '../../shared/domain/lifecycle.ts';
import { OWNER_LABEL } from '../../shared/domain/names.ts';
import { MemoryDns } from '../../shared/drivers/dns/memory.ts';
import { MemoryGateway } from '../../shared/drivers/gateway/memory.ts';

import type { SqliteStore } from '../../shared/drivers/store/sqlite.ts';
import { ClusterburstError } from '../../shared/errors.ts';
import type { LifecycleEvent } from '../../shared/schemas/lifecycle-event.ts';
import { Clock } from './clock.ts';
import { SoakCloud } from './cloud.ts';
import { Crash, type FaultKind, Injector } from './faults.ts';
import { SoakFederation } from './federation.ts';
import { install, PROVIDERS } from './install.ts';
import type { Command, Scenario } from './scenario.ts';

/** The invariants the soak checks. */
export const INVARIANTS = ['leak', 'stuck', 'budget', 'missing', 'foreign', 'exception'] as const;
export type Invariant = (typeof INVARIANTS)[number];

/** One broken invariant. */
export interface Violation {
  readonly kind: Invariant;
  /** What kind of breakage within the invariant (a phase, a resource): one shortest trace each. */
  readonly sig: string;
  readonly detail: string;
}

/** A delivery waiting on an installation's bus. */
export interface Delivery {
  readonly event: LifecycleEvent;
  readonly attempts: number;
}

/** One installation: its own store, bus and deliveries; backends are the world's. */
export interface Installation {
  readonly id: string;
  readonly deps: Deps;
  readonly store: SqliteStore;
  queue: Delivery[];
  /** Deliveries the bus lost for a while; they come back after the next wait. */
  limbo: Delivery[];
}

const START = Date.parse('2026-12-01T08:00:00.000Z');

/**
 * The whole world of one soak run: a virtual clock, the shared backends (two clouds, one
 * federation, one DNS, one gateway) and one or two installations that share them, each with
 * its own store and bus. Every driver call goes through the fault injector.
 */
export class World {
  readonly clock = new Clock(START);
  readonly injector: Injector;
  readonly clouds: SoakCloud[];
  readonly federation: SoakFederation;
  readonly dns = new MemoryDns();
  readonly gateway = new MemoryGateway();
  readonly installations: Installation[] = [];
  readonly violations: Violation[] = [];
  /** Which installation added each gateway server (the gateway itself records no owner). */
  readonly serverAddedBy = new Map<string, string>();
  /** Clusters whose API does not answer (a broken network path, a dead control plane). */
  readonly unreachable = new Set<string>();
  readonly #signals = new Map<string, { firing: boolean; startsAt: number; resolvedOnce: boolean }>();
  #manual = 0;

  constructor(
    readonly scenario: Scenario,
    readonly enabled: ReadonlySet<FaultKind>,
  ) {
    this.injector = new Injector(enabled);
    const timing = {
      readyAfterSeconds: scenario.readyAfterSeconds,
      deleteAfterSeconds: scenario.deleteAfterSeconds,
    };
    this.clouds = PROVIDERS.map((p) => new SoakCloud(p.name, this.clock, timing));
    this.federation = new SoakFederation((endpoint) => this.reachable(endpoint), this.clock);
  }

  /** Build the installations (one, or two when that fault kind is on). */
  async start(): Promise<void> {
    const ids = this.enabled.has('second-installation') ? ['soak-a', 'soak-b'] : ['soak-a'];
    if (ids.length > 1) this.injector.count('second-installation');
    for (const id of ids) this.installations.push(await install(this, id));
  }

  async close(): Promise<void> {
    for (const i of this.installations) await i.store.close();
  }

  /**
   * Whether a cluster's API answers: it exists, is ready, and its network path is up. A
   * service's ingress answers when its replicas on the member are ready (the federation's view).
   */
  reachable(endpoint: string): boolean {
    const ingress = this.federation.serves(endpoint);
    if (ingress !== undefined) return ingress;
    const [name, provider] = new URL(endpoint).hostname.split('.');
    const cloud = this.clouds.find((c) => c.name === provider);
    const cluster = cloud?.all().find((c) => c.name === name);
    return !!cluster && cluster.state === 'ready' && !this.unreachable.has(cluster.name);
  }

  /** Record that installation `id` changed `what`, which another installation created. */
  foreign(id: string, what: string): void {
    const sig = what.split('(')[0]!;
    this.violations.push({ kind: 'foreign', sig, detail: `${id} touched ${what}` });
  }

  /** Max clusters and the hourly budget, per installation, in the store and at the providers. */
  async checkBudget(): Promise<void> {
    const policy = this.installations[0]?.deps.policy;
    if (!policy) return;
    for (const i of this.installations) {
      // The raw store, outside the fault plan.
      const live = (await i.store.list()).filter((r) => isLive(r.phase));
      const cost = live.reduce((sum, r) => sum + r.costPerHour, 0);
      if (live.length > policy.maxClusters)
        this.#budget(
          'live records > maxClusters',
          `${i.id}: ${live.length} live records > maxClusters ${policy.maxClusters}`,
        );
      if (cost > policy.hourlyBudget + 1e-9)
        this.#budget(
          'live cost > hourlyBudget',
          `${i.id}: live records cost ${cost.toFixed(2)}/h > budget ${policy.hourlyBudget}`,
        );
      const billed = this.clouds.flatMap((c) =>
        // Provisioning or ready: billed. A failed create or a cluster being deleted is not.
        c
          .all()
          .filter(
            (x) => x.labels[OWNER_LABEL] === i.id && (x.state === 'ready' || x.state === 'provisioning'),
          ),
      );
      if (billed.length > policy.maxClusters)
        this.#budget(
          'clusters up at the providers > maxClusters',
          `${i.id}: ${billed.length} clusters up at the providers > maxClusters ${policy.maxClusters}`,
        );
    }
  }

  #budget(sig: string, detail: string): void {
    // Once per run and kind: the first instant is what matters.
    if (!this.violations.some((v) => v.kind === 'budget' && v.sig === sig))
      this.violations.push({ kind: 'budget', sig, detail: `${detail} at ${this.clock.now().toISOString()}` });
  }

  /** Run one command under its planned fault; a crash loses the rest of it and its flush. */
  async exec(c: Command): Promise<void> {
    this.injector.begin(c.fault);
    const inst = 'inst' in c ? this.installations[c.inst % this.installations.length]! : undefined;
    await this.#guard(() => this.#run(c, inst));
    const crashed = this.injector.end();
    if (inst && !crashed) await this.#guard(() => inst.deps.relay.flush());
    await this.checkBudget();
  }

  /** Run `action`; injected and driver errors are expected, anything else is a defect. */
  async #guard(action: () => Promise<unknown>): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (error) {
      if (!(error instanceof Crash) && !(error instanceof ClusterburstError)) {
        this.violations.push({
          kind: 'exception',
          sig: String((error as Error)?.message ?? error).slice(0, 60),
          detail: `${(error as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(error)}`,
        });
      }
      return false;
    }
  }

  async #run(c: Command, inst: Installation | undefined): Promise<void> {
    const on = (kind: FaultKind) => this.enabled.has(kind);
    switch (c.k) {
      case 'fire':
      case 'resolve':
        return this.#signal(inst!, c.k, c.group);
      case 'manual':
        return this.#manualBurst(inst!, c.ttl);
      case 'deliver': {
        if (!inst!.queue.length) return;
        const n = on('reorder') ? c.pick % inst!.queue.length : 0;
        if (n > 0) this.injector.count('reorder');
        const delivery = inst!.queue[n]!;
        if (c.dup && on('duplicate')) this.injector.count('duplicate');
        else inst!.queue.splice(n, 1);
        return this.#deliver(inst!, delivery);
      }
      case 'drop': {
        if (!on('drop') || !inst!.queue.length) return;
        this.injector.count('drop');
        inst!.limbo.push(...inst!.queue.splice(c.pick % inst!.queue.length, 1));
        return;
      }
      case 'health':
        return void (await clusterHealth(inst!.deps));
      case 'scaleDown':
        return void (await scaleDown(inst!.deps));
      case 'reconcile':
        return void (await reconcile(inst!.deps));
      case 'delete': {
        if (!on('operator-delete')) return;
        const records = await inst!.store.list();
        const record = records[c.pick % Math.max(1, records.length)];
        if (!record) return;
        this.injector.count('operator-delete');
        return void (await drain(inst!.deps, record.id, 'teardown requested by an operator'));
      }
      case 'wait':
        this.clock.advance(c.seconds);
        for (const i of this.installations) i.queue.push(...i.limbo.splice(0));
        return;
      case 'vanish': {
        const cluster = this.#pickCluster(c.pick);
        if (!on('vanish') || !cluster) return;
        this.injector.count('vanish');
        this.clouds.find((x) => x.name === cluster.provider)!.vanish(cluster.name);
        return;
      }
      case 'unreachable': {
        const cluster = this.#pickCluster(c.pick);
        if (!on('unreachable') || !cluster) return;
        this.injector.count('unreachable');
        this.unreachable.add(cluster.name);
        return;
      }
      case 'reachable': {
        const name = [...this.unreachable].sort()[c.pick % Math.max(1, this.unreachable.size)];
        if (name) this.unreachable.delete(name);
        return;
      }
      case 'failCluster': {
        const cluster = this.#pickCluster(c.pick);
        if (!on('cluster-failed') || !cluster) return;
        if (this.clouds.find((x) => x.name === cluster.provider)!.fail(cluster.name, c.quota))
          this.injector.count('cluster-failed');
        return;
      }
      case 'connections': {
        const servers = await this.gateway.listOwned();
        const server = servers[c.pick % Math.max(1, servers.length)];
        if (!on('connections') || !server) return;
        this.injector.count('connections');
        this.gateway.setConnections(server, c.count);
        return;
      }
    }
  }

  /** An operator's DELETE, with faults off (the final teardown of a run). */
  async operatorDelete(inst: Installation, id: string): Promise<void> {
    await this.#op(() => drain(inst.deps, id, 'teardown requested by an operator'));
    await this.#op(() => inst.deps.relay.flush());
  }

  #pickCluster(pick: number): { provider: string; name: string } | undefined {
    const all = this.clouds
      .flatMap((c) => c.all().map((x) => ({ provider: c.name, name: x.name })))
      .sort((a, b) => a.name.localeCompare(b.name) || a.provider.localeCompare(b.provider));
    return all[pick % Math.max(1, all.length)];
  }

  async #signal(inst: Installation, status: 'fire' | 'resolve', group: number): Promise<void> {
    const key = this.enabled.has('shared-signal') ? `g${group}` : `${inst.id}-g${group}`;
    const state = this.#signals.get(key) ?? { firing: false, startsAt: this.clock.ms, resolvedOnce: false };
    if (status === 'fire' && !state.firing) {
      if (state.resolvedOnce) {
        if (!this.enabled.has('flap')) return;
        this.injector.count('flap');
      }
      Object.assign(state, { firing: true, startsAt: this.clock.ms });
    }
    if (status === 'resolve' && state.firing) Object.assign(state, { firing: false, resolvedOnce: true });
    this.#signals.set(key, state);
    if (status === 'resolve' && !state.resolvedOnce) return;
    const signalKey = `alertmanager:{}:{alertname="CapacityHigh-${key}"}`;
    const signal: CapacitySignal = {
      source: 'alertmanager',
      status: status === 'fire' ? 'firing' : 'resolved',
      signalKey,
      dedupeKey: `${signalKey}@${new Date(state.startsAt).toISOString()}`,
      labels: { alertname: `CapacityHigh-${key}` },
      summary: `capacity high (${key})`,
      at: (status === 'fire' ? new Date(state.startsAt) : this.clock.now()).toISOString(),
    };
    await handleSignal(inst.deps, signal);
  }

  async #manualBurst(inst: Installation, ttl: number): Promise<void> {
    const n = this.#manual++;
    await handleSignal(inst.deps, {
      source: 'manual',
      status: 'firing',
      signalKey: `manual:${inst.id}:${n}`,
      dedupeKey: `manual:${inst.id}:${n}`,
      labels: {},
      summary: 'operator burst',
      at: this.clock.now().toISOString(),
      hints: { ttlSeconds: ttl },
    });
  }

  /** Handle one delivery; a failure is retried by the platform twice, a crash loses it. */
  async #deliver(inst: Installation, delivery: Delivery): Promise<void> {
    try {
      await handleEvent(inst.deps, delivery.event);
    } catch (error) {
      if (!(error instanceof Crash) && delivery.attempts < 2)
        inst.queue.push({ event: delivery.event, attempts: delivery.attempts + 1 });
      throw error;
    }
  }

  /**
   * Drive the world to quiescence with transient faults off (vanished clusters and unreachable
   * members stay as they are): deliver, poll, scale down, reconcile, 30 s at a time, until
   * nothing changes and `done` holds, or the virtual hour runs out.
   */
  async settle(
    done: (i: Installation, records: Awaited<ReturnType<SqliteStore['list']>>) => boolean,
    scale: boolean,
  ): Promise<void> {
    let last = '';
    let step = 30;
    // Three virtual hours, in steps that double while nothing changes (every deadline is passed
    // in a few rounds) and fall back to 30 s as soon as something moves.
    for (let elapsed = 0; elapsed < 3 * 3600; elapsed += step) {
      for (const i of this.installations) {
        i.queue.push(...i.limbo.splice(0));
        await this.#op(() => i.deps.relay.flush());
        for (let n = 0; n < 100 && i.queue.length; n++) {
          const delivery = i.queue.shift()!;
          await this.#op(() => this.#deliver(i, delivery));
          await this.#op(() => i.deps.relay.flush());
        }
        await this.#op(() => clusterHealth(i.deps));
        if (scale) await this.#op(() => scaleDown(i.deps));
        await this.#op(() => reconcile(i.deps));
        await this.#op(() => i.deps.relay.flush());
      }
      const print = await this.fingerprint();
      // A cluster still being deleted is motion too: quiet means nothing is left in flight.
      let quiet = print === last && this.clouds.every((c) => c.all().every((x) => x.state !== 'deleting'));
      for (const i of this.installations) quiet &&= done(i, await i.store.list());
      if (quiet) return;
      step = print === last ? Math.min(step * 2, 600) : 30;
      last = print;
      this.clock.advance(step);
    }
  }

  async #op(action: () => Promise<unknown>): Promise<void> {
    this.injector.begin(undefined);
    await this.#guard(action);
    this.injector.end();
    await this.checkBudget();
  }

  /** Everything that can change, in one string: when it stops changing, the world is quiet. */
  async fingerprint(): Promise<string> {
    const parts: string[] = [];
    for (const i of this.installations) {
      const records = await i.store.list();
      parts.push(records.map((r) => `${r.id}:${r.phase}:${r.version}`).join(','), String(i.queue.length));
      parts.push(String((await i.store.pendingEvents(1000)).length));
    }
    for (const c of this.clouds)
      parts.push(
        c
          .all()
          .map((x) => `${x.name}:${x.state}`)
          .join(','),
      );
    parts.push(
      this.federation
        .all()
        .map((m) => m.name)
        .join(','),
    );
    parts.push(String(this.dns.records().length), String((await this.gateway.listOwned()).length));
    return parts.join('|');
  }
}
