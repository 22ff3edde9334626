import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ConfigServer,
  formatServerLine,
  HaproxyConfigFiles,
  readServers,
  setServerLine,
} from '../../../../../shared/drivers/gateway/haproxy-config.ts';

const CONFIG = `global
    stats socket /run/haproxy/admin.sock level admin

backend web
    balance roundrobin
    server home-1 10.0.0.1:80 check
    server home-2 10.0.0.2:80 check
    # the research infrastructure's own comment

listen db
  mode tcp
  balance leastconn

backend other
    server cb-0a1b2c3d4e5f 10.0.0.9:80
`;

const entry: ConfigServer = {
  backend: 'web',
  server: 'cb-0a1b2c3d4e5f',
  burstId: 'b-0a1b2c3d4e5f',
  address: '203.0.113.7',
  port: 443,
  weight: 10,
  state: 'disabled',
  check: 'check inter 2000 rise 2 fall 3',
};

describe('server lines in an HAProxy config', () => {
  it('formats a not-yet-enabled server as disabled, with our marker', () => {
    expect(formatServerLine(entry)).toBe(
      'server cb-0a1b2c3d4e5f 203.0.113.7:443 weight 10 check inter 2000 rise 2 fall 3 disabled # clusterburst burst=b-0a1b2c3d4e5f state=disabled',
    );
  });

  it('writes a draining server disabled too, so a reload sends it no new traffic', () => {
    expect(formatServerLine({ ...entry, state: 'drain' })).toMatch(/ disabled # clusterburst .*state=drain$/);
    expect(formatServerLine({ ...entry, state: 'ready' })).not.toMatch(/ disabled /);
  });

  it('brackets an IPv6 address', () => {
    expect(formatServerLine({ ...entry, address: '2001:db8::7' })).toContain(' [2001:db8::7]:443 ');
  });

  it('reads back what it wrote', () => {
    for (const state of ['disabled', 'ready', 'drain'] as const) {
      const { text } = setServerLine(CONFIG, 'web', entry.server, formatServerLine({ ...entry, state }));
      expect(readServers(text).filter((s) => s.backend === 'web')).toEqual([{ ...entry, state }]);
    }
  });

  it('adds the line after the last server of the backend, with its indentation, and nowhere else', () => {
    const { text, found } = setServerLine(CONFIG, 'web', entry.server, formatServerLine(entry));
    expect(found).toBe(true);
    const lines = text.split('\n');
    expect(lines[6]).toBe('    server home-2 10.0.0.2:80 check');
    expect(lines[7]).toBe(`    ${formatServerLine(entry)}`);
    expect(text.replace(`    ${formatServerLine(entry)}\n`, '')).toBe(CONFIG);
  });

  it('adds to a section without servers after its last setting', () => {
    const { text } = setServerLine(CONFIG, 'db', 'cb-x', 'server cb-x 10.1.1.1:5432');
    expect(text).toContain('  balance leastconn\n  server cb-x 10.1.1.1:5432\n');
  });

  it('replaces our existing line in place instead of adding a second one', () => {
    const once = setServerLine(CONFIG, 'web', entry.server, formatServerLine(entry)).text;
    const twice = setServerLine(
      once,
      'web',
      entry.server,
      formatServerLine({ ...entry, state: 'ready' }),
    ).text;
    expect(
      readServers(twice)
        .filter((s) => s.backend === 'web')
        .map((s) => s.state),
    ).toEqual(['ready']);
    expect(twice.split('\n')).toHaveLength(once.split('\n').length);
  });

  it('removes only our line and leaves the rest byte for byte', () => {
    const added = setServerLine(CONFIG, 'web', entry.server, formatServerLine(entry)).text;
    expect(setServerLine(added, 'web', entry.server, undefined)).toEqual({ text: CONFIG, found: true });
  });

  it('leaves a same-named server in another backend alone', () => {
    const { text } = setServerLine(CONFIG, 'web', entry.server, undefined);
    expect(text).toBe(CONFIG);
    expect(readServers(text)).toMatchObject([
      { backend: 'other', server: 'cb-0a1b2c3d4e5f', state: 'ready' },
    ]);
  });

  it('never reads servers without the prefix as ours', () => {
    expect(readServers(CONFIG).map((s) => s.server)).toEqual(['cb-0a1b2c3d4e5f']);
  });

  it('says when the backend is not declared', () => {
    expect(setServerLine(CONFIG, 'missing', 'cb-x', 'server cb-x 1.2.3.4:80')).toEqual({
      text: CONFIG,
      found: false,
    });
  });
});

describe('HaproxyConfigFiles', () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the backend among the *.cfg files of a directory and edits only that file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-cfg-'));
    await writeFile(join(dir, '10-main.cfg'), 'global\n    maxconn 100\n');
    await writeFile(join(dir, '50-backends.cfg'), CONFIG, { mode: 0o640 });
    await writeFile(join(dir, 'notes.txt'), 'backend web\n');
    const files = new HaproxyConfigFiles(dir);
    await files.put(entry);
    expect(await files.list()).toEqual([entry, expect.objectContaining({ backend: 'other' })]);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('backend web\n');
    expect((await stat(join(dir, '50-backends.cfg'))).mode & 0o777).toBe(0o640);
    await files.delete('web', entry.server);
    expect(await readFile(join(dir, '50-backends.cfg'), 'utf8')).toBe(CONFIG);
    expect((await readdir(dir)).sort()).toEqual(['10-main.cfg', '50-backends.cfg', 'notes.txt']);
  });

  it('refuses to record a server whose backend no file declares', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-cfg-'));
    await writeFile(join(dir, 'haproxy.cfg'), CONFIG);
    const files = new HaproxyConfigFiles(join(dir, 'haproxy.cfg'));
    await expect(files.put({ ...entry, backend: 'missing' })).rejects.toThrow(
      /backend missing is not declared/,
    );
  });

  it('loses no line when many writers edit the same file at once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-cfg-'));
    const file = join(dir, 'haproxy.cfg');
    await writeFile(file, CONFIG);
    const names = Array.from({ length: 12 }, (_, i) => `cb-${String(i).padStart(12, '0')}`);
    await Promise.all(names.map((server) => new HaproxyConfigFiles(file).put({ ...entry, server })));
    const written = readServers(await readFile(file, 'utf8')).filter((s) => s.backend === 'web');
    expect(written.map((s) => s.server).sort()).toEqual(names);
  });
});
