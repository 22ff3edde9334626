import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayServerSpec } from '../../shared/drivers/gateway/gateway.ts';
import { DriverError } from '../../shared/errors.ts';
import { runGatewayContract } from '../support/contracts/gateway.ts';
import { type OctaviaSetup, startOctavia } from '../support/octavia-harness.ts';
import { burstId } from '../support/records.ts';

for (const topology of ['ACTIVE_STANDBY', 'SINGLE'] as const) {
  runGatewayContract(`octavia (${topology})`, async () => {
    const s = await startOctavia(topology);
    s.octavia.seedMember({ name: 'home-1', address: '10.0.0.11', protocol_port: 80 });
    let n = 0;
    return {
      gateway: s.gateway(),
      backend: 'web',
      target: async () => ({ address: `10.1.0.${++n}`, port: 443 }),
      foreign: { backend: 'web', server: 'home-1' },
      forOwner: (owner) => s.gateway(owner),
      cleanup: s.stop,
    };
  });
}

const spec = (address = '10.2.0.1'): GatewayServerSpec => {
  const id = burstId();
  return { backend: 'web', server: `cb-${id.slice(2)}`, burstId: id, address, port: 443 };
};

describe('octavia gateway driver', () => {
  let s: OctaviaSetup;
  beforeEach(async () => {
    s = await startOctavia();
  });
  afterEach(async () => s.stop());

  const member = (name: string) => s.octavia.members().find((m) => m.name === name);

  it('adds a tagged member disabled, enables it at its weight, drains it to weight 0 and deletes it', async () => {
    const gw = s.gateway('infn-cnaf');
    const sv = { ...spec(), weight: 3 };
    await gw.add(sv);
    expect(member(sv.server)).toMatchObject({
      address: sv.address,
      protocol_port: 443,
      admin_state_up: false,
      operating_status: 'OFFLINE',
      backup: false,
      tags: [
        'clusterburst',
        'clusterburst-owner=infn-cnaf',
        `clusterburst-burst=${sv.burstId}`,
        'clusterburst-weight=3',
      ],
    });
    await gw.enable(sv);
    expect(member(sv.server)).toMatchObject({ admin_state_up: true, weight: 3, operating_status: 'ONLINE' });
    await gw.drain(sv);
    expect(member(sv.server)).toMatchObject({
      admin_state_up: true,
      weight: 0,
      operating_status: 'DRAINING',
    });
    await gw.remove(sv);
    await new Promise((r) => setTimeout(r, s.octavia.settleMs + 5));
    expect(member(sv.server)).toBeUndefined();
  });

  it('retries a write refused with 409 while the load balancer is PENDING_UPDATE instead of failing', async () => {
    const gw = s.gateway();
    const a = spec('10.2.0.1');
    const b = spec('10.2.0.2');
    s.octavia.settleMs = 300;
    s.octavia.failover(1000);
    await gw.add(a);
    expect(s.octavia.immutableRefusals).toBeGreaterThanOrEqual(1);
    // The next writes follow the first's reconfiguration: more PENDING_UPDATE to wait out.
    await gw.add(b);
    await gw.enable(a);
    expect(member(a.server)).toMatchObject({ admin_state_up: true });
    expect(member(b.server)).toMatchObject({ admin_state_up: false });
  });

  it('keeps working through an active/standby failover: the amphorae swap roles and the next write waits for it', async () => {
    const gw = s.gateway();
    const a = spec();
    await gw.add(a);
    await gw.enable(a);
    s.octavia.failover(50);
    expect(s.octavia.loadBalancer.amphorae).toEqual(['BACKUP', 'MASTER']);
    await gw.drain(a);
    expect((await gw.listOwned({ burstId: a.burstId }))[0]?.state).toBe('drain');
  });

  it('gives up on a load balancer that stays PENDING_UPDATE past the bound, with a retryable error', async () => {
    const gw = s.gateway(undefined, { pendingTimeoutMs: 100 });
    s.octavia.failover(10_000);
    const error = await gw.add(spec()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).retryable).toBe(true);
    expect(String(error)).toMatch(/still PENDING_UPDATE/);
    expect(s.octavia.members()).toEqual([]);
  });

  it('reports a load balancer in ERROR as needing a failover, and writes again once it was failed over', async () => {
    const gw = s.gateway();
    const a = spec();
    s.octavia.breakLoadBalancer();
    await expect(gw.add(a)).rejects.toThrow(/in ERROR .*fails it over/);
    s.octavia.failover(20);
    await gw.add(a);
    expect(member(a.server)).toBeDefined();
  });

  it('never modifies a member without our owner tag, even one named like ours', async () => {
    const gw = s.gateway();
    const impostor = spec('10.3.0.1');
    const id = s.octavia.seedMember({
      name: impostor.server,
      address: impostor.address,
      protocol_port: 443,
      tags: ['clusterburst', `clusterburst-burst=${impostor.burstId}`],
    });
    const before = s.octavia.members().find((m) => m.id === id);
    for (const op of [
      () => gw.enable(impostor),
      () => gw.drain(impostor),
      () => gw.remove(impostor, { force: true }),
    ])
      await expect(op()).rejects.toThrow(/refusing to touch/);
    expect(await gw.listOwned()).toEqual([]);
    // Its address and port are taken: our add fails rather than adopting it.
    await expect(gw.add(impostor)).rejects.toThrow(/not a clusterburst server of this installation/);
    expect(s.octavia.members()).toEqual([before]);
    expect(s.octavia.log.filter((r) => r.path.endsWith(id))).toEqual([]);
  });

  it("lists and changes only its own installation's members", async () => {
    const ours = s.gateway('site-a');
    const theirs = s.gateway('site-b');
    const a = spec('10.4.0.1');
    const b = spec('10.4.0.2');
    await ours.add(a);
    await theirs.add(b);
    expect((await ours.listOwned()).map((x) => x.server)).toEqual([a.server]);
    await expect(ours.remove({ backend: 'web', server: b.server })).rejects.toThrow(/refusing/);
    expect(member(b.server)).toBeDefined();
  });

  it('lists every owned member across pages', async () => {
    s.octavia.pageSize = 2;
    const gw = s.gateway();
    const specs = [1, 2, 3, 4, 5].map((i) => spec(`10.5.0.${i}`));
    for (const sv of specs) await gw.add(sv);
    expect((await gw.listOwned()).map((x) => x.server).sort()).toEqual(specs.map((x) => x.server).sort());
  });

  it("counts the listener's open connections for a member that may carry traffic, and removes it only when forced", async () => {
    const gw = s.gateway();
    const a = spec();
    await gw.add(a);
    s.octavia.listener.activeConnections = 4;
    // Never enabled: it cannot hold a connection.
    expect(await gw.connections(a)).toBe(0);
    await gw.enable(a);
    await gw.drain(a);
    expect(await gw.connections(a)).toBe(4);
    expect((await gw.listOwned())[0]).toMatchObject({ state: 'drain', connections: 4 });
    const refused = await gw.remove(a).catch((e: unknown) => e);
    expect((refused as DriverError).retryable).toBe(true);
    expect(member(a.server)).toBeDefined();
    await gw.remove(a, { force: true });
    expect(await gw.listOwned()).toEqual([]);
  });

  it('re-adds nothing when a repeated add finds the member, and keeps its enabled state', async () => {
    const gw = s.gateway();
    const a = spec();
    await gw.add(a);
    await gw.enable(a);
    await gw.add(a);
    expect(s.octavia.members()).toHaveLength(1);
    expect(member(a.server)).toMatchObject({ admin_state_up: true });
    await expect(gw.add({ ...a, address: '10.9.9.9' })).rejects.toThrow(/already points at/);
  });

  it('authenticates once for many calls, and again when Keystone has revoked its token', async () => {
    const gw = s.gateway();
    const a = spec();
    await gw.add(a);
    await gw.listOwned();
    expect(s.octavia.keystone.authentications).toBe(1);
    s.octavia.keystone.revokeTokens();
    await gw.enable(a);
    expect(s.octavia.keystone.authentications).toBe(2);
    expect(member(a.server)).toMatchObject({ admin_state_up: true });
  });

  it('keeps a drained member drained when a late route step enables it again', async () => {
    const gw = s.gateway();
    const a = spec();
    await gw.add(a);
    await gw.enable(a);
    await gw.drain(a);
    const writes = s.octavia.writes.length;
    await gw.enable(a);
    expect(member(a.server)).toMatchObject({ weight: 0, operating_status: 'DRAINING' });
    expect(s.octavia.writes.length).toBe(writes);
  });
});
