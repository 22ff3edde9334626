import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type DigAnswer, digAnswers, freeLoopbackPort, stopChild, waitForOutput } from './bind.ts';

/** Where Debian's pdns-backend-sqlite3 ships the gsqlite3 schema. */
const SCHEMA = '/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql';

/** A record set to seed through the API: contents in PowerDNS presentation form. */
export interface PowerDnsRecordSet {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly contents: readonly string[];
}

/** A running PowerDNS Authoritative 4.7 with the gsqlite3 backend and the HTTP API. */
export interface PowerDnsServer {
  readonly host: '127.0.0.1';
  /** DNS (UDP and TCP). */
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly zone: string;
  /** Set when started with `tsig: true`: a key allowed to UPDATE and AXFR the zone. */
  readonly tsig?: { readonly keyName: string; readonly keySecret: string };
  query(name: string, type: string): Promise<string[]>;
  answers(name: string, type: string): Promise<DigAnswer[]>;
  /** Replaces record sets through the API, as an operator would. */
  replace(sets: readonly PowerDnsRecordSet[]): Promise<void>;
  stop(): Promise<void>;
}

/** Options of `startPowerDns`. */
export interface PowerDnsOptions {
  /** @default 'example.org' */
  readonly zone?: string;
  /** Record sets that exist before the test (not ours). */
  readonly records?: readonly PowerDnsRecordSet[];
  /** Also allow DNS UPDATE and AXFR signed with a TSIG key (hmac-sha256). @default false */
  readonly tsig?: boolean;
}

function config(dir: string, port: number, webPort: number, apiKey: string, tsig: boolean): string {
  return [
    'launch=gsqlite3',
    `gsqlite3-database=${join(dir, 'pdns.db')}`,
    'local-address=127.0.0.1',
    `local-port=${port}`,
    'api=yes',
    `api-key=${apiKey}`,
    'webserver=yes',
    'webserver-address=127.0.0.1',
    `webserver-port=${webPort}`,
    'webserver-allow-from=127.0.0.0/8',
    `socket-dir=${dir}`,
    'guardian=no',
    'daemon=no',
    'disable-syslog=yes',
    // Tests read right after writing: no caches. No security poll: no traffic off loopback.
    'cache-ttl=0',
    'negquery-cache-ttl=0',
    'query-cache-ttl=0',
    'zone-cache-refresh-interval=0',
    'security-poll-suffix=',
    'receiver-threads=1',
    'distributor-threads=1',
    ...(tsig ? ['dnsupdate=yes', 'allow-dnsupdate-from=127.0.0.0/8'] : []),
    '',
  ].join('\n');
}

/** Calls the API; throws with the status and body when it does not answer 2xx. */
async function api(
  apiUrl: string,
  apiKey: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${apiUrl}/api/v1/servers/localhost${path}`, {
    method,
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`PowerDNS ${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Polls the API until it answers, the process exits, or `timeoutMs` passes. */
async function waitForApi(
  apiUrl: string,
  apiKey: string,
  exited: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await api(apiUrl, apiKey, 'GET', '');
      return;
    } catch (error) {
      if (exited() || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Starts `pdns_server` in a fresh temp dir (SQLite database, free loopback ports), creates the
 * zone through the API and seeds `records`. One per test file; `stop()` in `afterAll`.
 * @example
 * const pdns = await startPowerDns({ records: [{ name: 'legacy.example.org.', type: 'A', ttl: 300, contents: ['192.0.2.1'] }] });
 */
export async function startPowerDns(options: PowerDnsOptions = {}): Promise<PowerDnsServer> {
  const zone = options.zone ?? 'example.org';
  const apiKey = randomBytes(16).toString('hex');
  const dir = await mkdtemp(join(tmpdir(), 'cb-pdns-'));
  const db = new Database(join(dir, 'pdns.db'));
  db.exec(await readFile(SCHEMA, 'utf8'));
  db.close();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const webPort = await freeLoopbackPort();
    await writeFile(join(dir, 'pdns.conf'), config(dir, port, webPort, apiKey, options.tsig ?? false));
    const child = spawn('pdns_server', [`--config-dir=${dir}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const apiUrl = `http://127.0.0.1:${webPort}`;
    try {
      await waitForOutput(child, /Listening for HTTP requests/, 30_000, 'pdns_server');
      await waitForApi(apiUrl, apiKey, () => child.exitCode !== null, 30_000);
    } catch (error) {
      lastError = error;
      await stopChild(child);
      continue;
    }
    const replace = async (sets: readonly PowerDnsRecordSet[]): Promise<void> => {
      const rrsets = sets.map((set) => ({
        name: set.name.endsWith('.') ? set.name : `${set.name}.`,
        type: set.type,
        ttl: set.ttl,
        changetype: 'REPLACE',
        records: set.contents.map((content) => ({ content, disabled: false })),
      }));
      await api(apiUrl, apiKey, 'PATCH', `/zones/${zone}.`, { rrsets });
    };
    await api(apiUrl, apiKey, 'POST', '/zones', {
      name: `${zone}.`,
      kind: 'Native',
      nameservers: [`ns.${zone}.`],
    });
    await replace([
      { name: `ns.${zone}`, type: 'A', ttl: 300, contents: ['127.0.0.1'] },
      ...(options.records ?? []),
    ]);
    let tsig: PowerDnsServer['tsig'];
    if (options.tsig) {
      tsig = { keyName: 'clusterburst-key', keySecret: randomBytes(32).toString('base64') };
      const key = (await api(apiUrl, apiKey, 'POST', '/tsigkeys', {
        name: tsig.keyName,
        algorithm: 'hmac-sha256',
        key: tsig.keySecret,
      })) as { id: string };
      const kind = 'TSIG-ALLOW-DNSUPDATE';
      await api(apiUrl, apiKey, 'PUT', `/zones/${zone}./metadata/${kind}`, {
        kind,
        metadata: [tsig.keyName],
      });
      // TSIG-ALLOW-AXFR is not writable as metadata through the API; the zone field sets it.
      await api(apiUrl, apiKey, 'PUT', `/zones/${zone}.`, { master_tsig_key_ids: [key.id] });
    }
    return {
      host: '127.0.0.1',
      port,
      apiUrl,
      apiKey,
      zone,
      ...(tsig ? { tsig } : {}),
      query: async (name, type) => (await digAnswers(port, name, type)).map((answer) => answer.data),
      answers: (name, type) => digAnswers(port, name, type),
      replace,
      stop: async () => {
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}
