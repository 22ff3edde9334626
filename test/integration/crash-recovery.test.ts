import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../shared/config/config-schema.ts';
import { type LocalDynamo, startDynalite } from '../support/dynalite.ts';
import { loadEvent } from '../support/events.ts';
import type { Json } from '../support/local-runtime.ts';
import { freePort, type RuntimeProcess, spawnRuntime } from '../support/runtime-process.ts';

/** The simulated cloud's inventory: the clusters that exist, whatever the control plane remembers. */
function inventory(dir: string): string[] {
  try {
    return (
      JSON.parse(readFileSync(join(dir, 'simulated-inventory.json'), 'utf8')) as { name: string }[]
    ).map((c) => c.name);
  } catch {
    return [];
  }
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

async function waitForPhase(url: string, id: string, phase: string, timeoutMs = 30_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  let last: Json;
  while (Date.now() < deadline) {
    last = (await json(`${url}/bursts/${id}`)).body;
    if (last.phase === phase) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`burst ${id} stuck in ${last?.phase}: ${JSON.stringify(last?.history)}`);
}

/** A store the runtime processes share, and a way to lose its records behind their back. */
interface SharedStore {
  readonly config: NonNullable<ConfigInput['store']>;
  /** Environment the runtime needs to reach it. */
  readonly env: Readonly<Record<string, string>>;
  /** Drops every record and outbox entry, as if the store were restored from an old backup. */
  lose(): Promise<void>;
}

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo?.stop();
});

const STORES: readonly (readonly [string, (dir: string) => Promise<SharedStore>])[] = [
  [
    'sqlite',
    async (dir) => ({
      config: { path: join(dir, 'state.db') },
      env: {},
      lose: async () => {
        const { default: Database } = await import('better-sqlite3');
        const db = new Database(join(dir, 'state.db'));
        db.prepare('DELETE FROM bursts').run();
        db.prepare('DELETE FROM outbox').run();
        db.close();
      },
    }),
  ],
  [
    'dynamodb (dynalite)',
    async () => {
      const table = `cb-crash-${Math.random().toString(36).slice(2, 10)}`;
      await dynamo.createTable(table);
      return {
        config: { driver: 'dynamodb', options: { table, endpoint: dynamo.endpoint } },
        env: dynamo.env,
        lose: async () => {
          const client = dynamo.client();
          const { Items = [] } = await client.send(new ScanCommand({ TableName: table }));
          for (const item of Items)
            await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: item.pk! } }));
          client.destroy();
        },
      };
    },
  ],
];

describe.each(STORES)(
  'crash recovery on the %s store: the runtime is killed between steps and restarted',
  (_name, shared) => {
    let dir: string;
    let config: ConfigInput;
    let store: SharedStore;
    const procs: RuntimeProcess[] = [];
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cb-crash-'));
      store = await shared(dir);
      config = {
        stateDir: dir,
        store: store.config,
        server: { port: await freePort() },
        logLevel: 'WARN',
        schedules: { scaleDown: '0 0 0 1 1 *', health: '* * * * * *', reconcile: '* * * * * *' },
        policy: { stuckAfterSeconds: 1 },
        providers: [
          {
            name: 'simulated',
            driver: 'simulated',
            regions: ['local'],
            pricePerNodeHour: 0.1,
            options: { readyAfterMs: 300 },
          },
        ],
      };
    });
    afterEach(async () => {
      for (const p of procs.splice(0)) await p.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const start = async (crashAt?: string) => {
      const p = await spawnRuntime(dir, config, {
        ...store.env,
        ...(crashAt ? { CLUSTERBURST_CRASH_AT: crashAt } : {}),
      });
      procs.push(p);
      return p;
    };

    const fire = async (p: RuntimeProcess) => {
      const answer = await json(`${p.url}/alerts/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(loadEvent('alertmanager', 'firing')),
      });
      expect(answer.body.decision).toBe('burst');
      return answer.body.burstId as string;
    };

    it.each([
      ['after the provider call, before the state write', 'after-provider-create'],
      ['after the state write, before the event is published', 'after-write:Provisioning'],
      ['after joining the federation, before the state write', 'after-join'],
      ['after adding the gateway server, before enabling it', 'after-gateway-add'],
    ])('reaches Active with exactly one cluster when killed %s', async (_when, point) => {
      const first = await start(point);
      // The step may crash the runtime before the webhook's answer is written (the bus runs the
      // next step in the same process): the sender sees the connection drop, as Alertmanager
      // would, and the admitted burst is found through the API of the restarted runtime.
      const sent = await fire(first).catch((error: Error) => {
        if ((error.cause as { code?: string } | undefined)?.code !== 'UND_ERR_SOCKET') throw error;
        return undefined;
      });
      expect(await first.exited).toBe('SIGKILL');
      const second = await start();
      const id = sent ?? (await json(`${second.url}/bursts`)).body.bursts[0].id;
      const active = await waitForPhase(second.url, id, 'Active');
      expect(inventory(dir)).toEqual([active.name]);
      expect((await json(`${second.url}/bursts`)).body.bursts).toHaveLength(1);
    });

    it('reaches Deleted with nothing left at the provider when killed during teardown', async () => {
      const first = await start('after-provider-delete');
      const id = await fire(first);
      await waitForPhase(first.url, id, 'Active');
      await fetch(`${first.url}/bursts/${id}`, { method: 'DELETE' });
      expect(await first.exited).toBe('SIGKILL');
      const second = await start();
      await waitForPhase(second.url, id, 'Deleted');
      expect(inventory(dir)).toEqual([]);
    });

    it('finds and deletes a cluster whose record was lost, and never touches one of another owner', async () => {
      const first = await start();
      const id = await fire(first);
      const active = await waitForPhase(first.url, id, 'Active');
      await first.stop();
      // Lose the record (as if the store were restored from an old backup) and let another owner
      // share the same simulated cloud: reconcile must delete ours, and only ours.
      await store.lose();
      const file = join(dir, 'simulated-inventory.json');
      const entries = JSON.parse(readFileSync(file, 'utf8'));
      entries.push({ ...entries[0], name: 'cb-theirs', labels: { 'clusterburst.io/owner': 'another-site' } });
      writeFileSync(file, JSON.stringify(entries));
      const second = await start();
      const report = await json(`${second.url}/schedule/reconcile`, { method: 'POST' });
      expect(report.body.orphans.clusters).toEqual([`simulated/${active.name}`]);
      const deadline = Date.now() + 10_000;
      while (inventory(dir).includes(active.name) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      await json(`${second.url}/schedule/health`, { method: 'POST' });
      expect(inventory(dir)).toEqual(['cb-theirs']);
    });
  },
);
