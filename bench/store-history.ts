/**
 * What history costs: a health pass (`clusterHealth`) and a signal's decision (`handleSignal`,
 * a repeat of a live burst's alarm, and a new alarm refused at max clusters under the admission
 * lock) with 10 live records and 10 ended ones, then with the same 10 live and 10,000 ended
 * ones, on the sqlite store and on the dynamodb store (dynalite in memory on loopback). Live
 * records are Requested (the pass reads them and has no step to run), so the figures are the
 * store's reads. The ended records belong to 1,000 other signals. "full read" is one
 * `store.list()` of everything: what every pass and signal read before stores answered queries.
 * Median of 30 rounds of 20 operations each, alternating between the two stores (so load from
 * elsewhere on the machine weighs on both alike), after 3 warm-up runs.
 */

import { pathToFileURL } from 'node:url';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../shared/config/load-config.ts';
import { clusterHealth } from '../shared/core/cluster-health.ts';
import type { Deps } from '../shared/core/deps.ts';
import { handleSignal } from '../shared/core/handle-signal.ts';
import type { BurstCluster } from '../shared/domain/burst-cluster.ts';
import type { CapacitySignal } from '../shared/domain/capacity-signal.ts';
import { DynamoDbStore } from '../shared/drivers/store/dynamodb.ts';
import { newItem } from '../shared/drivers/store/dynamodb-table.ts';
import { SqliteStore } from '../shared/drivers/store/sqlite.ts';
import type { BurstStore } from '../shared/drivers/store/store.ts';
import { createDeps } from '../shared/runtime/create-deps.ts';
import { createLogger } from '../shared/runtime/logger.ts';
import { type LocalDynamo, startDynalite } from '../test/support/dynalite.ts';
import { makeRecord } from '../test/support/records.ts';

const LIVE = 10;
const ROUNDS = 30;
/** Operations a round (timer resolution and one-off pauses averaged out). */
const BATCH = 20;
const AT = '2026-11-20T10:00:00.000Z';

const signal = (key: string): CapacitySignal => ({
  source: 'alertmanager',
  status: 'firing',
  signalKey: key,
  dedupeKey: `${key}@${AT}`,
  labels: {},
  summary: 'bench',
  at: AT,
});

function live(n: number): BurstCluster {
  return makeRecord({
    reason: { ...makeRecord().reason, signalKey: `alertmanager:live-${n}` },
    createdAt: AT,
  });
}

function ended(n: number): BurstCluster {
  const key = `alertmanager:old-${n % 1000}`;
  return makeRecord({
    phase: 'Deleted',
    reason: { ...makeRecord().reason, signalKey: key },
    createdAt: AT,
    version: 2,
  });
}

/** Seeds through the store's own admit (sqlite: fast enough for 10,000). */
async function seedByAdmit(store: BurstStore, records: readonly BurstCluster[]): Promise<void> {
  for (const record of records) {
    const { phase, ...rest } = record;
    const result = await store.admit(record.reason.signalKey, () => ({
      admit: true,
      record: { ...rest, phase: 'Requested' },
      events: [],
    }));
    if (!result.admitted) throw new Error(result.why);
    if (phase !== 'Requested') await store.update({ ...result.record, phase });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * Median time of `op` on each of two stores, rounds alternating between them so that load from
 * elsewhere on the machine weighs on both alike.
 */
async function pair(
  ops: readonly [() => Promise<unknown>, () => Promise<unknown>],
  rounds = ROUNDS,
  batch = BATCH,
): Promise<[number, number]> {
  for (const op of ops) for (let i = 0; i < 3; i++) await op();
  const samples: [number[], number[]] = [[], []];
  for (let i = 0; i < rounds; i++) {
    for (const side of [0, 1] as const) {
      const started = performance.now();
      for (let j = 0; j < batch; j++) await ops[side]();
      samples[side].push((performance.now() - started) / batch);
    }
  }
  return [median(samples[0]), median(samples[1])];
}

/** The operations measured, on deps around one store. */
async function operations(store: BurstStore) {
  const config = loadConfig({ value: { policy: { maxClusters: LIVE }, logLevel: 'ERROR' } });
  const deps: Deps = await createDeps(config, {
    logger: createLogger('ERROR'),
    overrides: { store, providers: new Map() },
  });
  const check = async (key: string, expected: string) => {
    const outcome = await handleSignal(deps, signal(key));
    if (outcome.decision !== expected)
      throw new Error(`expected ${expected}, got ${outcome.decision}: ${outcome.why}`);
  };
  return {
    'health pass': () => clusterHealth(deps),
    'signal: duplicate': () => check('alertmanager:live-0', 'duplicate'),
    'signal: refused at max clusters': () => check('alertmanager:new', 'refused'),
    'full read (the old cost)': () => store.list(),
  };
}

async function compare(name: string, small: BurstStore, large: BurstStore): Promise<void> {
  const [a, b] = [await operations(small), await operations(large)];
  for (const what of Object.keys(a) as (keyof typeof a)[]) {
    // A full read of 10,000 records on dynalite takes seconds: fewer rounds suffice there.
    const [x, y] = what.startsWith('full read')
      ? await pair([a[what], b[what]], 5, 1)
      : await pair([a[what], b[what]]);
    console.log(
      `${name.padEnd(20)} ${what.padEnd(32)} ${x.toFixed(2).padStart(8)} ms ${y.toFixed(2).padStart(9)} ms ${(y / x).toFixed(2).padStart(6)}x`,
    );
  }
}

async function sqlite(endedCount: number): Promise<BurstStore> {
  const store = new SqliteStore(':memory:');
  await seedByAdmit(
    store,
    Array.from({ length: LIVE }, (_, i) => live(i)),
  );
  await seedByAdmit(
    store,
    Array.from({ length: endedCount }, (_, i) => ended(i)),
  );
  return store;
}

async function dynamodb(dynamo: LocalDynamo, table: string, endedCount: number): Promise<BurstStore> {
  await dynamo.createTable(table);
  const store = DynamoDbStore.create({ table, client: dynamo.client() });
  const doc = DynamoDBDocumentClient.from(dynamo.client());
  try {
    await seedByAdmit(
      store,
      Array.from({ length: LIVE }, (_, i) => live(i)),
    );
    // Ended records straight into the table (settled: no outbox), 25 a batch.
    const items = Array.from({ length: endedCount }, (_, i) =>
      newItem(ended(i), [], new Date(), 7 * 86_400_000),
    );
    for (let i = 0; i < items.length; i += 25) {
      let request = { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
      while (Object.keys(request).length > 0) {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: request }));
        request = (out.UnprocessedItems ?? {}) as typeof request;
      }
    }
    return store;
  } finally {
    doc.destroy();
  }
}

/** Prints each figure with 10 and with 10,000 ended records, side by side. */
export async function main(): Promise<void> {
  console.log(
    `${'store'.padEnd(20)} ${'operation'.padEnd(32)} ${'10 ended'.padStart(11)} ${'10,000 ended'.padStart(12)}  ratio`,
  );
  const lite = [await sqlite(10), await sqlite(10_000)] as const;
  await compare('sqlite', ...lite);
  for (const s of lite) await s.close();
  const dynamo = await startDynalite();
  try {
    const stores = [
      await dynamodb(dynamo, 'bench-small', 10),
      await dynamodb(dynamo, 'bench-large', 10_000),
    ] as const;
    await compare('dynamodb (dynalite)', ...stores);
    for (const s of stores) await s.close();
  } finally {
    await dynamo.stop();
  }
  console.log(
    `(${LIVE} live records; median of ${ROUNDS} rounds of ${BATCH} operations, alternating, after 3 warm-up runs)`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
