import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
}

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

    it('accepts cordon and evict of a member that never joined', async () => {
      await h.federation.cordon('cb-000000000000');
      await h.federation.evict('cb-000000000000');
      const none: MemberStatus | undefined = await h.federation.status('cb-000000000000');
      expect(none).toBeUndefined();
    });
  });
}
