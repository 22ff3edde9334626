import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HaproxyRuntime,
  isMissingAnswer,
  parseRuntimeAddress,
  parseServersConn,
  parseServersState,
  parseStatCsv,
} from '../../../../../shared/drivers/gateway/haproxy-runtime.ts';
import { DriverError } from '../../../../../shared/errors.ts';

// Answers captured from HAProxy 2.6.12 on this machine.
const SERVERS_STATE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 be 1 home 127.0.0.1 2 0 1 1 43 15 3 4 6 0 0 0 - 18081 - 0 0 - - 0
3 be 2 cb-b-2 127.0.0.1 0 5 5 5 43 1 0 0 14 0 0 0 - 18082 - 0 0 - - 0`;

const SERVERS_CONN = `# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est unsafe_nb safe_nb idle_lim idle_cur idle_per_thr[2]
be/home 3/1 127.0.0.1 18081 - 5000 0 1 1 1 0 -1 1 0 1
be/cb-b-1 3/2 127.0.0.1 18082 - 0 4 5 5 0 0 0 0`;

const STAT = `# pxname,svname,qcur,qmax,scur,smax,slim,stot,status,weight,mode,
be,home,0,0,0,1,,1,UP,1,http,
be,cb-b-1,0,0,4,4,,7,DRAIN,10,http,`;

describe('runtime answer parsers', () => {
  it('reads server rows of show servers state by column name', () => {
    const rows = parseServersState(SERVERS_STATE);
    expect(rows).toEqual([
      {
        backend: 'be',
        server: 'home',
        address: '127.0.0.1',
        port: 18081,
        opState: 2,
        adminState: 0,
        weight: 1,
        checkResult: 3,
      },
      {
        backend: 'be',
        server: 'cb-b-2',
        address: '127.0.0.1',
        port: 18082,
        opState: 0,
        adminState: 5,
        weight: 5,
        checkResult: 0,
      },
    ]);
  });

  it('reads used and idle connections from show servers conn, whatever the thread columns', () => {
    expect(parseServersConn(SERVERS_CONN)).toEqual([
      { backend: 'be', server: 'home', used: 0, idle: 1 },
      { backend: 'be', server: 'cb-b-1', used: 4, idle: 0 },
    ]);
  });

  it('reads show stat CSV into records keyed by field name', () => {
    const [, burst] = parseStatCsv(STAT);
    expect(burst).toMatchObject({ pxname: 'be', svname: 'cb-b-1', scur: '4', status: 'DRAIN', mode: 'http' });
  });

  it('gives no rows for an error answer', () => {
    expect(parseServersState("Can't find backend.")).toEqual([]);
    expect(parseStatCsv('No such proxy.')).toEqual([]);
  });

  it.each([
    ['No such server.', true],
    ['No such backend.', true],
    ["Can't find backend.", true],
    ['Server deleted.', false],
    ['', false],
  ])('classifies %j as missing: %s', (answer, missing) => {
    expect(isMissingAnswer(answer)).toBe(missing);
  });
});

describe('runtime API address', () => {
  it.each([
    ['/run/haproxy/admin.sock', { path: '/run/haproxy/admin.sock' }],
    ['unix:/tmp/a.sock', { path: '/tmp/a.sock' }],
    ['127.0.0.1:9999', { host: '127.0.0.1', port: 9999 }],
    ['ipv4@127.0.0.1:9999', { host: '127.0.0.1', port: 9999 }],
    ['[::1]:9999', { host: '::1', port: 9999 }],
  ])('understands %s', (address, expected) => {
    expect(parseRuntimeAddress(address)).toEqual(expected);
  });

  it('refuses an address that is neither a path nor host:port', () => {
    expect(() => parseRuntimeAddress('localhost')).toThrow(/neither a socket path nor host:port/);
  });
});

describe('HaproxyRuntime against a scripted socket', () => {
  let dir: string | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A fake runtime API: answers like HAProxy, with or without the interactive prompt. */
  async function fakeHaproxy(answers: Record<string, string>): Promise<{ path: string; seen: string[] }> {
    dir = await mkdtemp(join(tmpdir(), 'cb-rt-'));
    const path = join(dir, 'admin.sock');
    const seen: string[] = [];
    server = createServer((socket) => {
      let interactive = false;
      let buffer = '';
      socket.on('data', (chunk) => {
        buffer += chunk.toString();
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const command = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          seen.push(command);
          if (command === 'prompt') interactive = true;
          if (command === 'quit') return void socket.end();
          const answer = command === 'prompt' ? '' : `${answers[command] ?? 'Unknown command.'}\n`;
          if (interactive) socket.write(`${answer}\n> `);
          else socket.end(`${answer}\n`);
        }
      });
    });
    await new Promise<void>((resolve) => server?.listen(path, resolve));
    return { path, seen };
  }

  it('sends one command per connection and returns the answer without the blank line', async () => {
    const { path } = await fakeHaproxy({ 'show servers state be': SERVERS_STATE });
    const answer = await new HaproxyRuntime({ address: path }).run('show servers state be');
    expect(answer).toBe(SERVERS_STATE);
  });

  it('runs several commands on one connection and splits the answers at the prompts', async () => {
    const { path, seen } = await fakeHaproxy({
      'show stat be 4 -1': STAT,
      'set server be/cb-b-1 state drain': '',
    });
    const answers = await new HaproxyRuntime({ address: path }).runAll([
      'show stat be 4 -1',
      'set server be/cb-b-1 state drain',
    ]);
    expect(answers).toEqual([STAT, '']);
    expect(seen.slice(0, 3)).toEqual(['prompt', 'show stat be 4 -1', 'set server be/cb-b-1 state drain']);
  });

  it('refuses a command that would smuggle a second one', async () => {
    const { path, seen } = await fakeHaproxy({});
    const runtime = new HaproxyRuntime({ address: path });
    await expect(runtime.run('show stat; del server be/home')).rejects.toThrow(/line break or ";"/);
    await expect(runtime.run('show stat\ndel server be/home')).rejects.toThrow(/line break or ";"/);
    expect(seen).toEqual([]);
  });

  it('reports a missing socket as a retryable driver error', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-rt-'));
    const error = await new HaproxyRuntime({ address: join(dir, 'gone.sock') })
      .run('show info')
      .catch((e) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect(error).toMatchObject({ retryable: true, message: expect.stringMatching(/unreachable/) });
  });

  it('gives up on a silent socket after its timeout, retryably', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-rt-'));
    const path = join(dir, 'silent.sock');
    server = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => server?.listen(path, resolve));
    const error = await new HaproxyRuntime({ address: path, timeoutMs: 200 })
      .run('show info')
      .catch((e) => e);
    expect(error).toMatchObject({
      retryable: true,
      message: expect.stringMatching(/no answer within 200 ms/),
    });
  });
});
