import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ownedServerPrefix } from '../../../shared/domain/names.ts';
import type { GatewayDriver } from '../../../shared/drivers/gateway/gateway.ts';
import { burstId } from '../records.ts';

/** How a gateway implementation is set up for the contract suite. */
export interface GatewayHarness {
  readonly gateway: GatewayDriver;
  /** A backend that exists at the gateway. */
  readonly backend: string;
  /** A server (real or not) to add as a backend server. */
  readonly target: () => Promise<{ readonly address: string; readonly port: number }>;
  /** A server that exists at the gateway and is not ours. */
  readonly foreign?: { readonly backend: string; readonly server: string };
  /** A driver for installation `owner` on the same gateway (installations may share one). */
  readonly forOwner: (owner: string) => GatewayDriver;
  readonly cleanup?: () => Promise<void>;
}

/** The behaviour every GatewayDriver must show. Call inside a test file. */
export function runGatewayContract(name: string, setup: () => Promise<GatewayHarness>): void {
  describe(`gateway contract: ${name}`, () => {
    let h: GatewayHarness;
    beforeEach(async () => {
      h = await setup();
    });
    afterEach(async () => {
      await h.gateway.close?.();
      await h.cleanup?.();
    });

    const spec = async () => {
      const id = burstId();
      const t = await h.target();
      return { backend: h.backend, server: `cb-${id.slice(2)}`, burstId: id, ...t };
    };

    it('adds a server disabled, enables, drains and removes it', async () => {
      const s = await spec();
      await h.gateway.add(s);
      await h.gateway.add(s);
      const [added] = await h.gateway.listOwned({ burstId: s.burstId });
      expect(added?.state).toBe('disabled');
      await h.gateway.enable(s);
      expect((await h.gateway.listOwned({ burstId: s.burstId }))[0]?.state).toBe('ready');
      await h.gateway.drain(s);
      expect((await h.gateway.listOwned({ burstId: s.burstId }))[0]?.state).toBe('drain');
      expect(await h.gateway.connections(s)).toBe(0);
      await h.gateway.remove(s);
      await h.gateway.remove(s);
      expect(await h.gateway.listOwned({ burstId: s.burstId })).toEqual([]);
    });

    it("lists and touches only its own installation's servers on a gateway two installations share", async () => {
      const mine = h.forOwner('owner-a');
      const theirs = h.forOwner('owner-b');
      const id = burstId();
      // The same alert at both: only the installation part of the name tells the servers apart.
      // Their clusters are distinct, so are their addresses (Octavia refuses a duplicate one).
      const a = {
        backend: h.backend,
        server: `${ownedServerPrefix('owner-a')}${id.slice(2)}`,
        burstId: id,
        ...(await h.target()),
      };
      const b = {
        backend: h.backend,
        server: `${ownedServerPrefix('owner-b')}${id.slice(2)}`,
        burstId: id,
        ...(await h.target()),
      };
      try {
        await mine.add(a);
        await theirs.add(b);
        await theirs.enable(b);
        expect((await mine.listOwned()).map((s) => s.server)).toEqual([a.server]);
        expect((await mine.listOwned({ burstId: id })).map((s) => s.server)).toEqual([a.server]);
        await expect(mine.remove(b, { force: true })).rejects.toThrow(/not a clusterburst server/);
        await expect(mine.drain(b)).rejects.toThrow(/not a clusterburst server/);
        await expect(mine.add(b)).rejects.toThrow(/not a clusterburst server/);
        expect((await theirs.listOwned()).map((s) => [s.server, s.state])).toEqual([[b.server, 'ready']]);
      } finally {
        await mine.remove(a, { force: true });
        await theirs.remove(b, { force: true });
        await mine.close?.();
        await theirs.close?.();
      }
    });

    it('refuses to touch a server without the clusterburst prefix', async () => {
      const ref = h.foreign ?? { backend: h.backend, server: 'home-1' };
      await expect(h.gateway.remove(ref, { force: true })).rejects.toThrow(
        /not a clusterburst server|refus/i,
      );
      const owned = await h.gateway.listOwned();
      expect(owned.map((s) => s.server)).not.toContain(ref.server);
    });
  });
}
