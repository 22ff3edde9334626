import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GATEWAY_SERVER_PREFIX } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';
import { retry } from '../../retry.ts';

const DRIVER = 'haproxy';
/** Marks our lines for humans and carries what the server line itself cannot say. */
const MARK = '# clusterburst';

/** What the driver keeps in the configuration for one of its servers. */
export interface ConfigServer {
  readonly backend: string;
  readonly server: string;
  readonly burstId: string;
  /** An IP literal (IPv6 without brackets). */
  readonly address: string;
  readonly port: number;
  readonly weight?: number;
  /** `disabled` and `drain` are written as `disabled`: after a reload neither may take new traffic. */
  readonly state: 'disabled' | 'ready' | 'drain';
  /** Health-check keywords, e.g. `check inter 2000 rise 2 fall 3`; empty for none. */
  readonly check: string;
}

/** The `server` line for a config file, with our marker comment. */
export function formatServerLine(s: ConfigServer): string {
  const host = s.address.includes(':') ? `[${s.address}]` : s.address;
  const words = ['server', s.server, `${host}:${s.port}`];
  if (s.weight !== undefined) words.push('weight', String(s.weight));
  if (s.check) words.push(s.check);
  if (s.state !== 'ready') words.push('disabled');
  return `${words.join(' ')} ${MARK} burst=${s.burstId} state=${s.state}`;
}

/** Our servers (name with the prefix) declared in one config file's text, in file order. */
export function readServers(text: string): ConfigServer[] {
  const found: ConfigServer[] = [];
  let backend: string | undefined;
  for (const line of text.split('\n')) {
    const section = sectionOf(line);
    if (section) backend = section.kind === 'backend' || section.kind === 'listen' ? section.name : undefined;
    const parsed = backend === undefined ? undefined : parseServerLine(backend, line);
    if (parsed) found.push(parsed);
  }
  return found;
}

/**
 * Returns the file text with `server`'s line in `backend` replaced by `line` (appended after the
 * section's last server line when absent), or removed when `line` is undefined. Every other line,
 * including servers that are not ours, is kept byte for byte. `found` says whether the section exists.
 */
export function setServerLine(
  text: string,
  backend: string,
  server: string,
  line: string | undefined,
): { readonly text: string; readonly found: boolean } {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => {
    const s = sectionOf(l);
    return (s?.kind === 'backend' || s?.kind === 'listen') && s.name === backend;
  });
  if (start < 0) return { text, found: false };
  let end = start + 1;
  while (end < lines.length && !sectionOf(lines[end] ?? '')) end++;
  const ours = (l: string) => parseServerLine(backend, l)?.server === server;
  const section = lines.slice(start + 1, end);
  const existing = section.findIndex(ours);
  let body: string[];
  if (line === undefined) body = section.filter((l) => !ours(l));
  else if (existing >= 0) {
    const indent = indentOf(section[existing] ?? '');
    body = section.flatMap((l, i) => (i === existing ? [indent + line] : ours(l) ? [] : [l]));
  } else {
    // After the last server line, else after the last setting; never after trailing comments.
    const firstWord = (l: string) => l.trim().split(/\s+/)[0] ?? '';
    const lastServer = section.findLastIndex((l) => ['server', 'server-template'].includes(firstWord(l)));
    const lastSetting = section.findLastIndex((l) => firstWord(l) !== '' && !firstWord(l).startsWith('#'));
    const anchor = lastServer >= 0 ? lastServer : lastSetting;
    const indent = anchor >= 0 ? indentOf(section[anchor] ?? '') : '    ';
    body = [...section.slice(0, anchor + 1), indent + line, ...section.slice(anchor + 1)];
  }
  return { text: [...lines.slice(0, start + 1), ...body, ...lines.slice(end)].join('\n'), found: true };
}

/**
 * The config file(s) HAProxy loads our servers from: one file, or a directory of `*.cfg` files as
 * `haproxy -f dir/` reads them. Writes are atomic (temporary file, then rename) and serialised
 * by a lock file, so a reload never reads half a file and two writers never lose each other's line.
 */
export class HaproxyConfigFiles {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  /** Our servers across the files. */
  async list(): Promise<ConfigServer[]> {
    const files = await this.#files();
    const texts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    return texts.flatMap(readServers);
  }

  /** Writes (or rewrites) the server's line; fails if no file declares its backend. */
  async put(entry: ConfigServer): Promise<void> {
    const done = await this.#edit(entry.backend, entry.server, formatServerLine(entry));
    if (!done) {
      throw new DriverError(DRIVER, `backend ${entry.backend} is not declared in ${this.#path}`);
    }
  }

  /** Removes the server's line if there is one. */
  async delete(backend: string, server: string): Promise<void> {
    await this.#edit(backend, server, undefined);
  }

  async #edit(backend: string, server: string, line: string | undefined): Promise<boolean> {
    for (const file of await this.#files()) {
      const edited = await withLock(file, async () => {
        const text = await readFile(file, 'utf8');
        const next = setServerLine(text, backend, server, line);
        if (next.found && next.text !== text) await writeAtomically(file, next.text);
        return next.found;
      });
      if (edited) return true;
    }
    return false;
  }

  async #files(): Promise<string[]> {
    const info = await stat(this.#path).catch((error: unknown) => {
      throw new DriverError(DRIVER, `cannot read config path ${this.#path}`, { cause: error });
    });
    if (!info.isDirectory()) return [this.#path];
    const names = (await readdir(this.#path)).filter((n) => n.endsWith('.cfg')).sort();
    return names.map((n) => join(this.#path, n));
  }
}

const SECTIONS = new Set([
  'global',
  'defaults',
  'frontend',
  'backend',
  'listen',
  'peers',
  'resolvers',
  'userlist',
  'mailers',
  'program',
  'http-errors',
  'ring',
  'cache',
  'fcgi-app',
  'log-forward',
]);

function sectionOf(line: string): { readonly kind: string; readonly name: string } | undefined {
  const [kind = '', name = ''] = line.trim().split(/\s+/);
  return SECTIONS.has(kind) ? { kind, name } : undefined;
}

const STATES = ['disabled', 'ready', 'drain'] as const;

function parseServerLine(backend: string, line: string): ConfigServer | undefined {
  const [body = '', comment] = line.split(MARK);
  const words = body.trim().split(/\s+/);
  if (words[0] !== 'server' || !words[1]?.startsWith(GATEWAY_SERVER_PREFIX)) return undefined;
  const target = /^\[?(.+?)\]?:(\d+)$/.exec(words[2] ?? '');
  const weightAt = words.indexOf('weight');
  const meta = new Map(
    (comment ?? '')
      .trim()
      .split(/\s+/)
      .map((kv) => [kv.split('=')[0], kv.split('=')[1]]),
  );
  const recorded = STATES.find((s) => s === meta.get('state'));
  const state = recorded ?? (words.includes('disabled') ? 'disabled' : 'ready');
  const checkAt = words.indexOf('check');
  const checkEnd = words.indexOf('disabled') > checkAt ? words.indexOf('disabled') : words.length;
  return {
    backend,
    server: words[1],
    burstId: meta.get('burst') ?? '',
    address: target?.[1] ?? '',
    port: Number(target?.[2] ?? 0),
    ...(weightAt > 0 ? { weight: Number(words[weightAt + 1]) } : {}),
    state,
    check: checkAt > 0 ? words.slice(checkAt, checkEnd).join(' ') : '',
  };
}

function indentOf(line: string): string {
  return /^\s*/.exec(line)?.[0] ?? '';
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const mode = (await stat(file)).mode & 0o777;
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temporary, 'w', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file).catch(async (error: unknown) => {
    await rm(temporary, { force: true });
    throw error;
  });
}

const LOCK_WAIT_MS = 10_000;
/** A lock older than this was left by a writer that died; taking it over is safe. */
const LOCK_STALE_MS = 30_000;

async function withLock<T>(file: string, action: () => Promise<T>): Promise<T> {
  const lock = join(dirname(file), `.${basename(file)}.cb-lock`);
  const held = new DriverError(DRIVER, `${lock} is held by another writer`, { retryable: true });
  await retry(
    async () => {
      try {
        await (await open(lock, 'wx')).close();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
        // A lock older than any write is left by a crashed writer: break it and try again.
        if (age > LOCK_STALE_MS) await rm(lock, { force: true });
        throw held;
      }
    },
    {
      attempts: Number.POSITIVE_INFINITY,
      baseMs: 40,
      maxMs: 200,
      maxElapsedMs: LOCK_WAIT_MS,
      retryIf: (e) => e === held,
    },
  );
  try {
    return await action();
  } finally {
    await rm(lock, { force: true });
  }
}
