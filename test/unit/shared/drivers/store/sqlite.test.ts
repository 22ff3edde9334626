import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../../../shared/drivers/store/sqlite.ts';
import { runStoreContract } from '../../../../support/contracts/store.ts';
import { makeRecord } from '../../../../support/records.ts';

runStoreContract('sqlite', async (options) => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-sqlite-'));
  const path = join(dir, 'state.db');
  return {
    store: new SqliteStore(path, options),
    second: async () => new SqliteStore(path, options),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('sqlite store on a file written before the query columns existed', () => {
  it('backfills them so live and signal-key queries see the old records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-sqlite-old-'));
    const path = join(dir, 'state.db');
    const old = new Database(path);
    old.exec(
      'CREATE TABLE bursts (id TEXT PRIMARY KEY, version INTEGER NOT NULL, phase TEXT NOT NULL, record TEXT NOT NULL)',
    );
    const live = makeRecord({ version: 1 });
    const ended = makeRecord({ version: 2, phase: 'Deleted' });
    for (const r of [live, ended]) {
      old.prepare('INSERT INTO bursts VALUES (?, ?, ?, ?)').run(r.id, r.version, r.phase, JSON.stringify(r));
    }
    old.close();
    const store = new SqliteStore(path);
    try {
      expect((await store.list({ live: true })).map((r) => r.id)).toEqual([live.id]);
      expect((await store.list({ signalKey: ended.reason.signalKey })).map((r) => r.id)).toEqual([ended.id]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
