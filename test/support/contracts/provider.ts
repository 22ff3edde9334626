import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../../shared/domain/names.ts';
import type {
  ClusterSpec,
  ProviderCluster,
  ProviderDriver,
} from '../../../shared/drivers/provider/provider.ts';
import { burstId } from '../records.ts';

/** How a provider implementation is set up for the contract suite. */
export interface ProviderHarness {
  readonly provider: ProviderDriver;
  readonly region: string;
  /** Let time pass at the (emulated) provider; called between polls. */
  readonly tick?: () => Promise<void>;
  readonly cleanup?: () => Promise<void>;
  /** How many resize requests of this cluster reached the (emulated) provider's API. */
  readonly resizeRequests?: (name: string) => number;
}

/** Poll `describe` until `done` holds, advancing the harness between polls. */
export async function pollCluster(
  h: ProviderHarness,
  name: string,
  done: (c: ProviderCluster | undefined) => boolean,
  attempts = 200,
): Promise<ProviderCluster | undefined> {
  for (let i = 0; i < attempts; i++) {
    const c = await h.provider.describe(name);
    if (done(c)) return c;
    await (h.tick?.() ?? new Promise((r) => setTimeout(r, 50)));
  }
  throw new Error(`cluster ${name} did not reach the expected state`);
}

/** Resize requests that reached the provider, where the harness can count them (emulators can; a real cloud cannot). */
function expectRequests(h: ProviderHarness, name: string, count: number): void {
  if (h.resizeRequests) expect(h.resizeRequests(name)).toBe(count);
}

/** The behaviour every ProviderDriver must show. Call inside a test file. */
export function runProviderContract(name: string, setup: () => Promise<ProviderHarness>): void {
  describe(`provider contract: ${name}`, () => {
    let h: ProviderHarness;
    const spec = (owner = 'contract-owner'): ClusterSpec => {
      const id = burstId();
      return {
        name: `cb-${id.slice(2)}`,
        burstId: id,
        owner,
        region: h.region,
        nodes: 2,
        labels: { [OWNER_LABEL]: owner, [BURST_ID_LABEL]: id },
      };
    };
    beforeEach(async () => {
      h = await setup();
    });
    afterEach(async () => {
      await h.provider.close?.();
      await h.cleanup?.();
    });

    it('creates a cluster that carries the owner and burst id and becomes ready', async () => {
      const s = spec();
      const created = await h.provider.create(s);
      expect(created.name).toBe(s.name);
      expect(['provisioning', 'ready']).toContain(created.state);
      const ready = await pollCluster(h, s.name, (c) => c?.state === 'ready');
      expect(ready?.labels[OWNER_LABEL]).toBe(s.owner);
      expect(ready?.labels[BURST_ID_LABEL]).toBe(s.burstId);
      const creds = await h.provider.credentials(s.name);
      expect(creds.endpoint).toMatch(/^https?:\/\//);
    });

    it('treats a second create of the same name as the same cluster', async () => {
      const s = spec();
      await h.provider.create(s);
      const again = await h.provider.create(s);
      expect(again.name).toBe(s.name);
      const mine = await h.provider.list(s.owner);
      expect(mine.filter((c) => c.name === s.name)).toHaveLength(1);
    });

    it('lists only the clusters of the given owner', async () => {
      const mine = spec('owner-a');
      const theirs = spec('owner-b');
      await h.provider.create(mine);
      await h.provider.create(theirs);
      const listed = (await h.provider.list('owner-a')).map((c) => c.name);
      expect(listed).toContain(mine.name);
      expect(listed).not.toContain(theirs.name);
    });

    it('deletes a cluster until the provider no longer knows it, and deletes idempotently', async () => {
      const s = spec();
      await h.provider.create(s);
      await pollCluster(h, s.name, (c) => c?.state === 'ready');
      await h.provider.delete(s.name, s.owner);
      await h.provider.delete(s.name, s.owner);
      await pollCluster(h, s.name, (c) => c === undefined);
      await h.provider.delete(s.name, s.owner);
      expect(await h.provider.describe(s.name)).toBeUndefined();
    });

    it("refuses to delete another installation's cluster, and leaves it running", async () => {
      const theirs = spec('owner-b');
      await h.provider.create(theirs);
      await pollCluster(h, theirs.name, (c) => c?.state === 'ready');
      await expect(h.provider.delete(theirs.name, 'owner-a')).rejects.toMatchObject({ retryable: false });
      const still = await h.provider.describe(theirs.name);
      expect(still?.state).toBe('ready');
      expect(still?.labels[OWNER_LABEL]).toBe('owner-b');
    });

    it("refuses to adopt another installation's cluster that has the name it asked for", async () => {
      const theirs = spec('owner-b');
      await h.provider.create(theirs);
      const mine = { ...spec('owner-a'), name: theirs.name };
      await expect(h.provider.create(mine)).rejects.toMatchObject({ retryable: false });
      expect(await h.provider.list('owner-a')).toEqual([]);
      expect((await h.provider.describe(theirs.name))?.labels[OWNER_LABEL]).toBe('owner-b');
    });

    it('resizes the node pool up and down, reporting the resize until it settles, and asks only once', async () => {
      const s = spec();
      await h.provider.create(s);
      await pollCluster(h, s.name, (c) => c?.state === 'ready');
      const grown = await h.provider.resize(s.name, 4);
      expect(grown.state).toBe('ready');
      expect(grown.resize?.state).toBe('resizing');
      const again = await h.provider.resize(s.name, 4);
      expect(again.resize?.state).toBe('resizing');
      expectRequests(h, s.name, 1);
      const settled = await pollCluster(h, s.name, (c) => c?.resize === undefined);
      expect(settled?.state).toBe('ready');
      expect(settled?.nodes).toEqual({ current: 4, desired: 4 });
      const same = await h.provider.resize(s.name, 4);
      expect(same.resize).toBeUndefined();
      expectRequests(h, s.name, 1);
      const shrinking = await h.provider.resize(s.name, 1);
      expect(shrinking.resize?.state).toBe('resizing');
      const shrunk = await pollCluster(h, s.name, (c) => c?.resize === undefined);
      expect(shrunk?.nodes).toEqual({ current: 1, desired: 1 });
      expectRequests(h, s.name, 2);
    });

    it('refuses to resize an unknown cluster or to a count that is not a whole number of nodes', async () => {
      await expect(h.provider.resize('cb-000000000000', 2)).rejects.toThrow();
      const s = spec();
      await h.provider.create(s);
      await expect(h.provider.resize(s.name, -1)).rejects.toThrow(/nodes/);
      await expect(h.provider.resize(s.name, 1.5)).rejects.toThrow(/nodes/);
    });

    it('describes an unknown cluster as undefined', async () => {
      expect(await h.provider.describe('cb-000000000000')).toBeUndefined();
    });
  });
}
