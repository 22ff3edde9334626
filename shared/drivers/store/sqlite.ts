import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { BurstCluster } from '../../domain/burst-cluster.ts';
import type { Phase } from '../../domain/lifecycle.ts';
import { NotFoundError, VersionConflictError } from '../../errors.ts';
import type { LifecycleEvent } from '../../schemas/lifecycle-event.ts';
import type { AdmitDecision, AdmitResult, BurstStore, OutboxEntry } from './store.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS bursts (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  phase TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  event TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0
);
`;

/**
 * The embedded store: one SQLite file (WAL). Records are JSON with their version in a column
 * for compare-and-swap; the outbox is a table written in the same transaction as the record.
 * Safe across processes on one host (SQLite locking), which is what the local runtime needs.
 */
export class SqliteStore implements BurstStore {
  readonly name = 'sqlite';
  readonly #db: Database.Database;
  readonly #listeners: (() => void)[] = [];
  /** Parsed records by id and version: listing re-parses only what changed since last time. */
  readonly #parsed = new Map<string, { readonly version: number; readonly record: BurstCluster }>();

  /** Open (creating if needed) the store at `path`; `:memory:` for a throwaway one. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec(SCHEMA);
  }

  async get(id: string): Promise<BurstCluster | undefined> {
    const row = this.#db.prepare('SELECT record FROM bursts WHERE id = ?').get(id) as
      | { record: string }
      | undefined;
    return row ? (JSON.parse(row.record) as BurstCluster) : undefined;
  }

  async list(query: { readonly phases?: readonly Phase[] } = {}): Promise<BurstCluster[]> {
    const records = this.#readAll();
    return query.phases ? records.filter((r) => query.phases!.includes(r.phase)) : records;
  }

  /** Every record, in id order, parsing only rows whose version is not cached yet. */
  #readAll(): BurstCluster[] {
    const rows = this.#db.prepare('SELECT id, version FROM bursts ORDER BY id').all() as {
      id: string;
      version: number;
    }[];
    const byId = this.#db.prepare('SELECT record FROM bursts WHERE id = ?');
    const seen = new Set<string>();
    const records = rows.map((row) => {
      seen.add(row.id);
      const cached = this.#parsed.get(row.id);
      if (cached?.version === row.version) return cached.record;
      const record = JSON.parse((byId.get(row.id) as { record: string }).record) as BurstCluster;
      this.#parsed.set(row.id, { version: record.version, record });
      return record;
    });
    for (const id of this.#parsed.keys()) if (!seen.has(id)) this.#parsed.delete(id);
    return records;
  }

  async admit(decide: (records: readonly BurstCluster[]) => AdmitDecision): Promise<AdmitResult> {
    // IMMEDIATE takes the write lock before reading, so admissions are serialised across
    // connections and processes: max clusters and the budget hold under concurrency.
    const run = this.#db.transaction((): AdmitResult & { events?: number } => {
      const decision = decide(this.#readAll());
      if (!decision.admit) return { admitted: false, why: decision.why, duplicateOf: decision.duplicateOf };
      const exists = this.#db.prepare('SELECT 1 FROM bursts WHERE id = ?').get(decision.record.id);
      if (exists) {
        return {
          admitted: false,
          why: `burst ${decision.record.id} already exists`,
          duplicateOf: decision.record.id,
        };
      }
      const record = { ...decision.record, version: 1 };
      this.#insert(record);
      this.#enqueue(decision.events);
      return { admitted: true, record, events: decision.events.length };
    });
    const { events, ...result } = run.immediate();
    if (events) this.#notify();
    return result;
  }

  async update(record: BurstCluster, events: readonly LifecycleEvent[] = []): Promise<BurstCluster> {
    const next = { ...record, version: record.version + 1 };
    const run = this.#db.transaction(() => {
      const info = this.#db
        .prepare('UPDATE bursts SET version = ?, phase = ?, record = ? WHERE id = ? AND version = ?')
        .run(next.version, next.phase, JSON.stringify(next), record.id, record.version);
      if (info.changes === 0) {
        const exists = this.#db.prepare('SELECT 1 FROM bursts WHERE id = ?').get(record.id);
        if (!exists) throw new NotFoundError(`burst ${record.id} not found`);
        throw new VersionConflictError(record.id, record.version);
      }
      this.#enqueue(events);
    });
    run.immediate();
    if (events.length) this.#notify();
    return next;
  }

  async pendingEvents(limit: number): Promise<OutboxEntry[]> {
    const rows = this.#db.prepare('SELECT event, attempts FROM outbox ORDER BY seq LIMIT ?').all(limit) as {
      event: string;
      attempts: number;
    }[];
    return rows.map((r) => ({ event: JSON.parse(r.event) as LifecycleEvent, attempts: r.attempts }));
  }

  async ackEvents(ids: readonly string[]): Promise<void> {
    const del = this.#db.prepare('DELETE FROM outbox WHERE id = ?');
    this.#db.transaction(() => {
      for (const id of ids) del.run(id);
    })();
  }

  async nackEvent(id: string): Promise<void> {
    this.#db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?').run(id);
  }

  onEvents(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #insert(record: BurstCluster): void {
    this.#db
      .prepare('INSERT INTO bursts (id, version, phase, record) VALUES (?, ?, ?, ?)')
      .run(record.id, record.version, record.phase, JSON.stringify(record));
  }

  #enqueue(events: readonly LifecycleEvent[]): void {
    const insert = this.#db.prepare('INSERT OR IGNORE INTO outbox (id, event) VALUES (?, ?)');
    for (const event of events) insert.run(event.id, JSON.stringify(event));
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
