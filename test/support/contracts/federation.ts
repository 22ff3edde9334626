import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceOnMember, ServiceSpec } from '../../../shared/domain/services.ts';
import type {
  FederationDriver,
  MemberSpec,
  MemberStatus,
} from '../../../shared/drivers/federation/federation.ts';
import type { ClusterCredentials } from '../../../shared/drivers/provider/provider.ts';
import { burstId } from '../records.ts';

/** How a federation implementation is set up for the contract suite. */
export interface FederationHarness {
  readonly federation: FederationDriver;
  /** A reachable member cluster to join, with admin credentials. */
  readonly member: () => Promise<{
    readonly credentials: ClusterCredentials;
    readonly remove?: () => Promise<void>;
  }>;
  readonly tick?: () => Promise<void>;
  /** What the federation created anywhere for `name` that is still there (must be empty after leave). */
  readonly leftovers?: (name: string) => Promise<string[]>;
  readonly cleanup?: () => Promise<void>;
  /**
   * Burstable services whose workloads exist on the federation's control plane, for the
   * placement cases; `CONTRACT_SERVICES` unless the harness creates its own.
   */
  readonly services?: readonly ServiceSpec[];
}

/** Two services (one HTTP, one TCP), as a configuration declares them, for the placement cases. */
export const CONTRACT_SERVICES: readonly ServiceSpec[] = [
  {
    name: 'web',
    hostname: 'web.example.org',
    protocol: 'http',
    burstable: true,
    workloads: [{ namespace: 'contract-web', kind: 'Deployment', name: 'frontend' }],
    expose: { kind: 'Service', namespace: 'contract-web', name: 'frontend', port: 80 },
    health: { type: 'http', path: '/healthz', expectStatus: 200 },
  },
  {
    name: 'queue',
    hostname: 'queue.example.org',
    protocol: 'tcp',
    burstable: true,
    workloads: [{ namespace: 'contract-queue', kind: 'StatefulSet', name: 'broker' }],
    expose: { kind: 'Service', namespace: 'contract-queue', name: 'broker', port: 5672 },
    health: { type: 'tcp' },
  },
];

/** Every service has a ready replica and an ingress. */
const allServing = (list: readonly ServiceOnMember[]) =>
  list.length > 0 && list.every((s) => s.readyReplicas >= 1 && s.ingress !== undefined);

async function poll<T>(h: FederationHarness, read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (done(v)) return v;
    await (h.tick?.() ?? new Promise((r) => setTimeout(r, 50)));
  }
  throw new Error('federation did not reach the expected state');
}

/** The behaviour every FederationDriver must show. Call inside a test file. */
export function runFederationContract(name: string, setup: () => Promise<FederationHarness>): void {
  describe(`federation contract: ${name}`, () => {
    let h: FederationHarness;
    beforeEach(async () => {
      h = await setup();
    });
    afterEach(async () => {
      await h.federation.close?.();
      await h.cleanup?.();
    });

    const spec = async (owner = 'contract-owner'): Promise<MemberSpec> => {
      const id = burstId();
      const m = await h.member();
      return {
        name: `cb-${id.slice(2)}`,
        burstId: id,
        owner,
        provider: 'simulated',
        region: 'local',
        credentials: m.credentials,
        labels: { 'clusterburst.io/burst': 'true' },
      };
    };

    it('joins a member that becomes ready, and joins idempotently', async () => {
      const m = await spec();
      await h.federation.join(m);
      await h.federation.join(m);
      const status = await poll(
        h,
        () => h.federation.status(m.name),
        (s) => s?.ready === true,
      );
      expect(status?.labels['clusterburst.io/burst']).toBe('true');
      expect((await h.federation.list(m.owner)).map((s) => s.name)).toContain(m.name);
    });

    it('lists only the members of the given owner', async () => {
      const mine = await spec('owner-a');
      const theirs = await spec('owner-b');
      await h.federation.join(mine);
      await h.federation.join(theirs);
      const names = (await h.federation.list('owner-a')).map((s) => s.name);
      expect(names).toContain(mine.name);
      expect(names).not.toContain(theirs.name);
    });

    it('cordons and evicts a member, idempotently', async () => {
      const m = await spec();
      await h.federation.join(m);
      await h.federation.cordon(m.name);
      await h.federation.cordon(m.name);
      expect((await h.federation.status(m.name))?.cordoned).toBe(true);
      await h.federation.evict(m.name);
      await h.federation.evict(m.name);
      expect((await h.federation.status(m.name))?.evicted).toBe(true);
    });

    it('leaves until nothing of the membership remains, and leaves idempotently', async () => {
      const m = await spec();
      await h.federation.join(m);
      await poll(
        h,
        () => h.federation.leave(m.name),
        (r) => r === 'left',
      );
      expect(await h.federation.status(m.name)).toBeUndefined();
      expect(await h.federation.leave(m.name)).toBe('left');
      if (h.leftovers) expect(await h.leftovers(m.name)).toEqual([]);
    });

    it('leaves with force a member whose cluster is gone, and leaves it so idempotently', async () => {
      const id = burstId();
      const member = await h.member();
      const m: MemberSpec = {
        name: `cb-${id.slice(2)}`,
        burstId: id,
        owner: 'contract-owner',
        provider: 'simulated',
        region: 'local',
        credentials: member.credentials,
        labels: { 'clusterburst.io/burst': 'true' },
      };
      await h.federation.join(m);
      await member.remove?.();
      await poll(
        h,
        () => h.federation.leave(m.name, { force: true }),
        (r) => r === 'left',
      );
      expect(await h.federation.status(m.name)).toBeUndefined();
      expect((await h.federation.list(m.owner)).map((s) => s.name)).not.toContain(m.name);
      expect(await h.federation.leave(m.name, { force: true })).toBe('left');
    });

    const hostPort = (endpoint: string) => {
      const url = new URL(endpoint);
      return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
    };

    it('places services on a member so that each has ready replicas and its own ingress, apart from the API endpoint', async () => {
      const services = h.services ?? CONTRACT_SERVICES;
      const m = await spec();
      await h.federation.join(m);
      await poll(
        h,
        () => h.federation.status(m.name),
        (s) => s?.ready === true,
      );
      await h.federation.place(m.name, services);
      const status = await poll(h, () => h.federation.serviceStatus(m.name, services), allServing);
      expect(status.map((s) => s.service)).toEqual(services.map((s) => s.name));
      for (const s of status) expect(s.desiredReplicas).toBeGreaterThanOrEqual(s.readyReplicas);
      const ingresses = status.map((s) => `${s.ingress?.host}:${s.ingress?.port}`);
      expect(ingresses).not.toContain(hostPort(m.credentials.endpoint));
    });

    it('places services idempotently, twice in a row and twice at once, keeping each ingress', async () => {
      const services = h.services ?? CONTRACT_SERVICES;
      const m = await spec();
      await h.federation.join(m);
      await h.federation.place(m.name, services);
      const first = await poll(h, () => h.federation.serviceStatus(m.name, services), allServing);
      await h.federation.place(m.name, services);
      await Promise.all([h.federation.place(m.name, services), h.federation.place(m.name, services)]);
      const again = await poll(h, () => h.federation.serviceStatus(m.name, services), allServing);
      expect(again.map((s) => s.ingress)).toEqual(first.map((s) => s.ingress));
    });

    it('reports a service never placed on a member as having no replicas there', async () => {
      const services = h.services ?? CONTRACT_SERVICES;
      const m = await spec();
      await h.federation.join(m);
      const status = await h.federation.serviceStatus(m.name, services);
      expect(status.map((s) => [s.service, s.readyReplicas])).toEqual(services.map((s) => [s.name, 0]));
    });

    it('takes services off a member until nothing of them remains there, and does it idempotently', async () => {
      const services = h.services ?? CONTRACT_SERVICES;
      const m = await spec();
      await h.federation.join(m);
      await h.federation.place(m.name, services);
      await poll(h, () => h.federation.serviceStatus(m.name, services), allServing);
      const result = await poll(
        h,
        () => h.federation.unplace(m.name, services),
        (r) => r.done,
      );
      expect(result.why).not.toBe('');
      await poll(
        h,
        () => h.federation.serviceStatus(m.name, services),
        (list) => list.every((s) => s.desiredReplicas === 0 && s.readyReplicas === 0),
      );
      expect((await h.federation.unplace(m.name, services)).done).toBe(true);
      const [a, b] = await Promise.all([
        h.federation.unplace(m.name, services),
        h.federation.unplace(m.name, services),
      ]);
      expect([a.done, b.done]).toEqual([true, true]);
    });

    it('uncordons a cordoned member, idempotently', async () => {
      const m = await spec();
      await h.federation.join(m);
      await h.federation.cordon(m.name);
      await h.federation.uncordon(m.name);
      await h.federation.uncordon(m.name);
      expect((await h.federation.status(m.name))?.cordoned).toBe(false);
    });

    it('accepts cordon and evict of a member that never joined', async () => {
      await h.federation.cordon('cb-000000000000');
      await h.federation.evict('cb-000000000000');
      await h.federation.uncordon('cb-000000000000');
      expect((await h.federation.unplace('cb-000000000000', h.services ?? CONTRACT_SERVICES)).done).toBe(
        true,
      );
      const none: MemberStatus | undefined = await h.federation.status('cb-000000000000');
      expect(none).toBeUndefined();
    });
  });
}
