import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../shared/config/config-schema.ts';
import type { BurstCluster } from '../../shared/domain/burst-cluster.ts';
import { isLive } from '../../shared/domain/lifecycle.ts';
import type { MemoryGateway } from '../../shared/drivers/gateway/memory.ts';
import type { SimulatedProvider } from '../../shared/drivers/provider/simulated.ts';
import { loadEvent } from '../support/events.ts';
import { type Json, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';

// Issue 12's acceptance on the embedded runtime (simulated provider, memory gateway, SQLite):
// bursts sized to the alert's demand, grown and added to, repeats harmless, shrink before drain,
// a drain cancelled when the alert fires again, and new capacity at once after a drain went too
// far. The health poll runs every second; scale-down is run by hand (POST /schedule/scale-down).

const CONFIG: ConfigInput = {
  providers: [
    {
      name: 'simulated',
      driver: 'simulated',
      regions: ['local'],
      pricePerNodeHour: 0.1,
      options: { readyAfterMs: 300, resizeAfterMs: 300, deleteAfterMs: 50 },
    },
  ],
  policy: {
    maxNodesPerCluster: 6,
    scaleDownWindowSeconds: 1,
    minLifetimeSeconds: 0,
    scaleDownDelayAfterAddSeconds: 0,
    drainTimeoutSeconds: 60,
  },
};

/** The Alertmanager sample, firing with `clusterburst_nodes` as a common annotation, or resolved. */
function alert(status: 'firing' | 'resolved', nodes?: number): Json {
  const body = structuredClone(
    loadEvent('alertmanager', status === 'firing' ? 'firing' : 'resolved'),
  ) as Json;
  if (nodes !== undefined)
    body.commonAnnotations = { ...body.commonAnnotations, clusterburst_nodes: String(nodes) };
  return body;
}

async function live(rt: TestRuntime): Promise<BurstCluster[]> {
  return (await rt.deps.store.list({ live: true })).filter((r) => isLive(r.phase));
}

/** Wait until `check` holds for the stored records (the health poll moves them on). */
async function until(
  rt: TestRuntime,
  check: (records: BurstCluster[]) => boolean,
  ms = 10_000,
): Promise<BurstCluster[]> {
  const deadline = Date.now() + ms;
  let records = await live(rt);
  while (!check(records)) {
    if (Date.now() > deadline)
      throw new Error(`condition not met; records: ${JSON.stringify(records.map(brief))}`);
    await new Promise((r) => setTimeout(r, 100));
    records = await live(rt);
  }
  return records;
}

const run = promisify(execFile);

const brief = (r: BurstCluster) => ({ id: r.id, phase: r.phase, nodes: r.nodes, resize: r.resize?.state });
const settled = (records: BurstCluster[]) =>
  records.every((r) => r.phase === 'Active' && r.resize === undefined);

describe('capacity follows demand (issue 12)', () => {
  let rt: TestRuntime;
  afterEach(async () => rt?.close());

  it('sizes a burst to the demand, grows it and adds a cluster for more, plans nothing on repeats, and shrinks before it drains', async () => {
    rt = await startTestRuntime(CONFIG);
    const first = await rt.request('POST', '/alerts/alertmanager', alert('firing', 4));
    expect(first.body.decision).toBe('burst');
    let records = await until(rt, (rs) => rs.length === 1 && settled(rs));
    expect(records.map((r) => r.nodes)).toEqual([4]);
    const id = first.body.burstId as string;

    const more = await rt.request('POST', '/alerts/alertmanager', alert('firing', 10));
    expect(more.body.decision).toBe('burst');
    expect(more.body.actions.map((a: Json) => a.kind)).toEqual(['grow', 'create']);
    records = await until(rt, (rs) => rs.length === 2 && settled(rs));
    expect(records.find((r) => r.id === id)?.nodes).toBe(6);
    expect(records.find((r) => r.id !== id)?.nodes).toBe(4);
    const provider = rt.deps.providers.get('simulated') as SimulatedProvider;
    expect((await provider.describe(records.find((r) => r.id === id)!.name))?.nodes).toEqual({
      current: 6,
      desired: 6,
    });

    for (let i = 0; i < 3; i++) {
      const again = await rt.request('POST', '/alerts/alertmanager', alert('firing', 10));
      expect(again.body.decision).toBe('duplicate');
    }
    expect((await live(rt)).map(brief).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      records.map(brief).sort((a, b) => a.id.localeCompare(b.id)),
    );

    await rt.request('POST', '/alerts/alertmanager', alert('resolved'));
    await new Promise((r) => setTimeout(r, 1100));
    const down = await rt.request('POST', '/schedule/scale-down');
    expect(down.body.decision.drain).toEqual([]);
    expect(down.body.actions.map((a: Json) => `${a.kind} ${a.nodes}`).sort()).toEqual([
      'shrink 3',
      'shrink 3',
    ]);
    records = await until(rt, (rs) => rs.length === 2 && settled(rs));
    expect(records.map((r) => r.nodes)).toEqual([3, 3]);

    const after = await rt.request('POST', '/schedule/scale-down');
    expect(after.body.decision.drain.sort()).toEqual(records.map((r) => r.id).sort());
    await until(rt, (rs) => rs.length === 0, 15_000);
  });

  it('keeps a burst whole when the clusterburst_nodes of a firing alert drops, until the scale-down window has passed since the higher demand', async () => {
    rt = await startTestRuntime({ ...CONFIG, policy: { ...CONFIG.policy, scaleDownWindowSeconds: 3 } });
    const fired = await rt.request('POST', '/alerts/alertmanager', alert('firing', 6));
    const id = fired.body.burstId as string;
    await until(rt, (rs) => rs.length === 1 && settled(rs));
    // Active for longer than the window, so only the held demand can keep it from shrinking.
    await new Promise((r) => setTimeout(r, 3100));

    const dropped = await rt.request('POST', '/alerts/alertmanager', alert('firing', 2));
    const droppedAt = Date.now();
    expect(dropped.body.decision).toBe('duplicate');
    const held = await rt.request('POST', '/schedule/scale-down');
    expect(held.body.actions).toEqual([]);
    expect((await rt.request('GET', '/plan')).body.capacity.wanted.signals[0].why).toMatch(
      /fires with a demand of 2 node\(s\); the 6 node\(s\) it asked for until .* are kept until the 3s scale-down window ends/,
    );
    expect((await rt.deps.store.get(id))?.nodes).toBe(6);

    await new Promise((r) => setTimeout(r, Math.max(0, droppedAt + 3100 - Date.now())));
    const down = await rt.request('POST', '/schedule/scale-down');
    expect(down.body.actions.map((a: Json) => a.kind)).toEqual(['shrink']);
    const records = await until(rt, (rs) => rs.length === 1 && settled(rs) && rs[0]!.nodes < 6);
    expect(records[0]!.id).toBe(id);
    expect(records[0]!.nodes).toBeGreaterThanOrEqual(2);
  });

  it('brings a draining burst back to Active when the alert fires again: same id, no new cluster, servers enabled after a passing health check', async () => {
    rt = await startTestRuntime(CONFIG);
    const fired = await rt.request('POST', '/alerts/alertmanager', alert('firing', 3));
    const id = fired.body.burstId as string;
    await rt.waitForPhase(id, 'Active');
    const gateway = rt.deps.gateway as MemoryGateway;
    const [server] = await gateway.listOwned({ burstId: id });
    expect(server?.state).toBe('ready');
    // Connections still open keep the burst Draining.
    gateway.setConnections(server!, 5);
    await rt.request('POST', '/alerts/alertmanager', alert('resolved'));
    await new Promise((r) => setTimeout(r, 1100));
    expect((await rt.request('POST', '/schedule/scale-down')).body.decision.drain).toEqual([id]);
    await rt.waitForPhase(id, 'Draining');
    expect((await gateway.listOwned({ burstId: id }))[0]?.state).toBe('drain');
    const probed: string[] = [];
    const probe = rt.deps.probe;
    (rt.deps as { probe: typeof probe }).probe = async (service, ingress) => {
      probed.push(`${ingress.host}:${ingress.port}`);
      return probe(service, ingress);
    };

    const back = await rt.request('POST', '/alerts/alertmanager', alert('firing', 3));
    expect(back.body).toMatchObject({ decision: 'burst', burstId: id });
    expect(back.body.actions.map((a: Json) => a.kind)).toEqual(['cancelDrain']);
    const active = await rt.waitForPhase(id, 'Active');
    expect(active.history.map((h: Json) => h.phase).slice(-3)).toEqual(['Draining', 'Joined', 'Active']);
    expect(active.history.at(-2).why).toMatch(/^demand returned: drain cancelled/);
    expect(active.history.at(-1).why).toMatch(/passed the health check/);
    // Probed through the service's ingress again, never the API endpoint.
    expect(probed).toContain(active.services[0].ingress);
    expect(probed).not.toContain(new URL(active.apiEndpoint).host);
    expect((await gateway.listOwned({ burstId: id }))[0]?.state).toBe('ready');
    expect((await live(rt)).map((r) => r.id)).toEqual([id]);
  });

  it('gets new capacity at once when load returns after the drain went too far to cancel', async () => {
    rt = await startTestRuntime(CONFIG);
    const fired = await rt.request('POST', '/alerts/alertmanager', alert('firing', 2));
    const id = fired.body.burstId as string;
    await rt.waitForPhase(id, 'Active');
    await rt.request('POST', '/alerts/alertmanager', alert('resolved'));
    await new Promise((r) => setTimeout(r, 1100));
    await rt.request('POST', '/schedule/scale-down');
    const gone = await until(
      rt,
      (rs) => rs.every((r) => r.phase === 'Leaving' || r.phase === 'Deleting') || rs.length === 0,
    );
    expect(gone.every((r) => r.id === id)).toBe(true);

    const again = await rt.request('POST', '/alerts/alertmanager', alert('firing', 2));
    expect(again.body.decision).toBe('burst');
    expect(again.body.burstId).not.toBe(id);
    expect(again.body.why).not.toMatch(/cooldown/);
  });

  it('shows in clusterburst plan the wanted capacity, the actual, and each action with its why', async () => {
    rt = await startTestRuntime(CONFIG);
    const fired = await rt.request('POST', '/alerts/alertmanager', alert('firing', 4));
    await rt.waitForPhase(fired.body.burstId, 'Active');
    const steady = (await rt.request('GET', '/plan')).body.capacity;
    expect(steady.wanted.nodes).toBe(4);
    expect(steady.actual).toEqual([
      expect.objectContaining({ id: fired.body.burstId, nodes: { desired: 4 } }),
    ]);
    expect(steady.actions).toEqual([]);

    await rt.request('POST', '/alerts/alertmanager', alert('resolved'));
    await new Promise((r) => setTimeout(r, 1100));
    const { stdout } = await run('node', ['bin/clusterburst.js', '--url', rt.url, 'plan']);
    expect(stdout).toContain('wanted: 0 node(s): no burst capacity wanted');
    expect(stdout).toContain('actual: 4 node(s) in 1 serving cluster(s)');
    expect(stdout).toMatch(
      new RegExp(
        `shrink ${fired.body.burstId} to 3: .* wants 0 node\\(s\\): shrink .* from 4 to 3 node\\(s\\)`,
      ),
    );
    // A dry run: nothing was changed.
    expect((await rt.deps.store.get(fired.body.burstId))?.nodes).toBe(4);
  });
});
