import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type BurstCluster, upgradeRecord } from '../../domain/burst-cluster.ts';
import { isLive, TERMINAL_PHASES } from '../../domain/lifecycle.ts';
import { NotFoundError, VersionConflictError } from '../../errors.ts';
import type { LifecycleEvent } from '../../schemas/lifecycle-event.ts';
import {
  type AdmitResult,
  type BurstStore,
  DEFAULT_RETENTION_SECONDS,
  type Decide,
  type OutboxEntry,
  type RecordPage,
  type RecordQuery,
} from './store.ts';

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
 * Query columns and their indexes, added to files written before they existed (backfilled
 * from the JSON). `live` is 1 until the record ends; `signal_key` and `updated_at` come from
 * the record.
 */
const COLUMNS: readonly (readonly [string, string, string])[] = [
  [
    'live',
    'INTEGER NOT NULL DEFAULT 1',
    `CASE WHEN phase IN (${TERMINAL_PHASES.map((p) => `'${p}'`).join(', ')}) THEN 0 ELSE 1 END`,
  ],
  ['signal_key', "TEXT NOT NULL DEFAULT ''", "json_extract(record, '$.reason.signalKey')"],
  ['updated_at', "TEXT NOT NULL DEFAULT ''", "json_extract(record, '$.updatedAt')"],
];
const INDEXES = `
CREATE INDEX IF NOT EXISTS bursts_live ON bursts (live, id);
CREATE INDEX IF NOT EXISTS bursts_phase ON bursts (phase);
CREATE INDEX IF NOT EXISTS bursts_signal_key ON bursts (signal_key);
CREATE INDEX IF NOT EXISTS bursts_ended ON bursts (live, updated_at);
CREATE INDEX IF NOT EXISTS outbox_burst ON outbox (json_extract(event, '$.burstId'));
`;

/** Options of the `sqlite` store. */
export interface SqliteStoreOptions {
  /** How long ended records are kept before `prune` removes them. @default 7 days */
  readonly retentionSeconds?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * The embedded store: one SQLite file (WAL). Records are JSON with their version in a column
 * for compare-and-swap; the outbox is a table written in the same transaction as the record.
 * Safe across processes on one host (SQLite locking), which is what the local runtime needs.
 * Queries for live records, a phase or a signal key use indexes, so their cost follows what is
 * live rather than the history kept for the retention.
 */
export class SqliteStore implements BurstStore {
  readonly name = 'sqlite';
  readonly #db: Database.Database;
  readonly #listeners: (() => void)[] = [];
  /** Parsed records by id and version: listing re-parses only what changed since last time. */
  readonly #parsed = new Map<string, { readonly version: number; readonly record: BurstCluster }>();
  readonly #retentionMs: number;
  readonly #now: () => Date;
  /** Prepared statements by SQL: compiling one costs more than running these small queries. */
  readonly #statements = new Map<string, Database.Statement>();
  /** Writes of this connection to `bursts`, which `PRAGMA data_version` does not count. */
  #ownWrites = 0;
  /**
   * The live records as last listed and the database state they were read in. Every signal and
   * pass lists them; while no connection has written, the list is what it was.
   */
  #live?: { readonly stamp: string; readonly records: readonly BurstCluster[] };

  /** Open (creating if needed) the store at `path`; `:memory:` for a throwaway one. */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#retentionMs = (options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS) * 1000;
    this.#now = options.now ?? (() => new Date());
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec(SCHEMA);
    this.#migrate();
  }

  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Adds the query columns to a file written before they existed (one transaction). */
  #migrate(): void {
    const have = new Set(
      (this.#prepare('PRAGMA table_info(bursts)').all() as { name: string }[]).map((c) => c.name),
    );
    this.#db
      .transaction(() => {
        for (const [column, type, backfill] of COLUMNS) {
          if (have.has(column)) continue;
          this.#db.exec(`ALTER TABLE bursts ADD COLUMN ${column} ${type}`);
          this.#db.exec(`UPDATE bursts SET ${column} = ${backfill}`);
        }
        this.#db.exec(INDEXES);
      })
      .immediate();
  }

  async get(id: string): Promise<BurstCluster | undefined> {
    const row = this.#prepare('SELECT record FROM bursts WHERE id = ?').get(id) as
      | { record: string }
      | undefined;
    return row ? upgradeRecord(JSON.parse(row.record) as BurstCluster) : undefined;
  }

  async list(query: RecordQuery = {}): Promise<BurstCluster[]> {
    if (query.live && query.phases === undefined && query.signalKey === undefined) return this.#liveRecords();
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.live) where.push('live = 1');
    if (query.phases) {
      where.push(`phase IN (${query.phases.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...query.phases);
    }
    if (query.signalKey !== undefined) {
      where.push('signal_key = ?');
      params.push(query.signalKey);
    }
    return this.#select(where.length ? `WHERE ${where.join(' AND ')}` : '', params);
  }

  /** The live records, read again only when some connection wrote since the last read. */
  #liveRecords(): BurstCluster[] {
    // data_version changes when another connection commits; this one's writes are counted apart.
    const stamp = `${this.#prepare('PRAGMA data_version').pluck().get()}:${this.#ownWrites}`;
    if (this.#live?.stamp !== stamp) this.#live = { stamp, records: this.#select('WHERE live = 1', []) };
    return [...this.#live.records];
  }

  async page(options: { readonly limit: number; readonly cursor?: string }): Promise<RecordPage> {
    const limit = Math.max(1, Math.floor(options.limit));
    const records = this.#select(
      `${options.cursor === undefined ? '' : 'WHERE id > ?'} ORDER BY id LIMIT ${limit + 1}`,
      options.cursor === undefined ? [] : [options.cursor],
    );
    if (records.length <= limit) return { records };
    const page = records.slice(0, limit);
    return { records: page, next: page.at(-1)!.id };
  }

  async prune(): Promise<number> {
    const before = new Date(this.#now().getTime() - this.#retentionMs).toISOString();
    // A record whose last events are still in the outbox waits for the relay.
    const info = this.#prepare(
      `DELETE FROM bursts WHERE live = 0 AND updated_at < ?
           AND NOT EXISTS (SELECT 1 FROM outbox WHERE json_extract(outbox.event, '$.burstId') = bursts.id)`,
    ).run(before);
    this.#ownWrites++;
    return info.changes;
  }

  /** Records matching `clause`, parsing only rows whose version is not cached yet. */
  #select(clause: string, params: readonly (string | number)[]): BurstCluster[] {
    const rows = this.#prepare(`SELECT id, version FROM bursts ${clause}`).all(...params) as {
      id: string;
      version: number;
    }[];
    const byId = this.#prepare('SELECT record FROM bursts WHERE id = ?');
    return rows.map((row) => {
      const cached = this.#parsed.get(row.id);
      if (cached?.version === row.version) return cached.record;
      const record = upgradeRecord(
        JSON.parse((byId.get(row.id) as { record: string }).record) as BurstCluster,
      );
      // Bounded: ended records drop out of the cache as they are pruned or age out.
      if (this.#parsed.size >= 50_000) this.#parsed.delete(this.#parsed.keys().next().value!);
      this.#parsed.set(row.id, { version: record.version, record });
      return record;
    });
  }

  async admit(signalKey: string, decide: Decide): Promise<AdmitResult> {
    // IMMEDIATE takes the write lock before reading, so admissions are serialised across
    // connections and processes: max clusters and the budget hold under concurrency.
    const run = this.#db.transaction((): AdmitResult & { events?: number } => {
      const decision = decide(this.#select('WHERE live = 1 OR signal_key = ? ORDER BY id', [signalKey]));
      if (!decision.admit) return { admitted: false, why: decision.why, duplicateOf: decision.duplicateOf };
      const exists = this.#prepare('SELECT 1 FROM bursts WHERE id = ?').get(decision.record.id);
      if (exists) {
        return {
          admitted: false,
          why: `burst ${decision.record.id} already exists`,
          duplicateOf: decision.record.id,
        };
      }
      const record = { ...decision.record, version: 1 };
      // The close first: a lost compare-and-swap throws and rolls the insert back with it.
      const closed = decision.close && this.#write(decision.close.record, decision.close.events);
      this.#insert(record);
      this.#enqueue(decision.events);
      const events = decision.events.length + (decision.close?.events.length ?? 0);
      return { admitted: true, record, ...(closed && { closed }), events };
    });
    const { events, ...result } = run.immediate();
    if (events) this.#notify();
    return result;
  }

  async update(record: BurstCluster, events: readonly LifecycleEvent[] = []): Promise<BurstCluster> {
    const next = this.#db.transaction(() => this.#write(record, events)).immediate();
    if (events.length) this.#notify();
    return next;
  }

  /** CAS write of `record` (stored at `record.version`) with its events; call in a transaction. */
  #write(record: BurstCluster, events: readonly LifecycleEvent[]): BurstCluster {
    this.#ownWrites++;
    const next = { ...record, version: record.version + 1 };
    const info = this.#prepare(
      'UPDATE bursts SET version = ?, phase = ?, record = ?, live = ?, signal_key = ?, updated_at = ? WHERE id = ? AND version = ?',
    ).run(...this.#columns(next), record.id, record.version);
    if (info.changes === 0) {
      const exists = this.#prepare('SELECT 1 FROM bursts WHERE id = ?').get(record.id);
      if (!exists) throw new NotFoundError(`burst ${record.id} not found`);
      throw new VersionConflictError(record.id, record.version);
    }
    this.#enqueue(events);
    return next;
  }

  async pendingEvents(limit: number): Promise<OutboxEntry[]> {
    const rows = this.#prepare('SELECT event, attempts FROM outbox ORDER BY seq LIMIT ?').all(limit) as {
      event: string;
      attempts: number;
    }[];
    return rows.map((r) => ({ event: JSON.parse(r.event) as LifecycleEvent, attempts: r.attempts }));
  }

  async ackEvents(ids: readonly string[]): Promise<void> {
    const del = this.#prepare('DELETE FROM outbox WHERE id = ?');
    this.#db.transaction(() => {
      for (const id of ids) del.run(id);
    })();
  }

  async nackEvent(id: string): Promise<void> {
    this.#prepare('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?').run(id);
  }

  onEvents(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #insert(record: BurstCluster): void {
    this.#ownWrites++;
    this.#prepare(
      'INSERT INTO bursts (version, phase, record, live, signal_key, updated_at, id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(...this.#columns(record), record.id);
  }

  #columns(record: BurstCluster): [number, string, string, number, string, string] {
    return [
      record.version,
      record.phase,
      JSON.stringify(record),
      isLive(record.phase) ? 1 : 0,
      record.reason.signalKey,
      record.updatedAt,
    ];
  }

  #enqueue(events: readonly LifecycleEvent[]): void {
    const insert = this.#prepare('INSERT OR IGNORE INTO outbox (id, event) VALUES (?, ?)');
    for (const event of events) insert.run(event.id, JSON.stringify(event));
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
