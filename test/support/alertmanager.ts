import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freeLoopbackPort, stopChild } from './bind.ts';
import { waitFor } from './prometheus.ts';

/** The Debian package's binary name. */
const BINARY = '/usr/bin/prometheus-alertmanager';

/** A real Alertmanager on a loopback port whose one receiver is clusterburst's webhook. */
export interface AlertmanagerServer {
  readonly url: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, for Prometheus' `alerting.alertmanagers` targets. */
  readonly target: string;
  /** The `externalURL` it puts in every notification: tells the members of a pair apart. */
  readonly externalUrl: string;
  stop(): Promise<void>;
}

/** Options of `startAlertmanager`. */
export interface AlertmanagerOptions {
  /** Where notifications go, e.g. `${runtime.url}/alerts/alertmanager`. */
  readonly webhookUrl: string;
  /** Sent as `Authorization: Bearer` (http_config.authorization, from a credentials file). */
  readonly bearerToken?: string;
  /** Sent as basic auth (http_config.basic_auth) instead. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** @default '1s' */
  readonly groupWait?: string;
  /** @default '1s' */
  readonly groupInterval?: string;
  /** @default '1h' */
  readonly repeatInterval?: string;
  /** Listen port. @default free */
  readonly port?: number;
  /** Clustering for an HA pair: own gossip port and the peers'; none disables clustering. */
  readonly cluster?: {
    readonly port: number;
    readonly peers: readonly number[];
    readonly peerTimeout?: string;
  };
}

/**
 * Starts `prometheus-alertmanager` with short group_wait/group_interval, send_resolved and the
 * webhook's credentials, and resolves once `/-/ready` answers. Without `cluster`, gossip is off.
 * @example
 * const am = await startAlertmanager({ webhookUrl: `${runtime.url}/alerts/alertmanager`, bearerToken });
 */
export async function startAlertmanager(options: AlertmanagerOptions): Promise<AlertmanagerServer> {
  const dir = await mkdtemp(join(tmpdir(), 'cb-alertmanager-'));
  const port = options.port ?? (await freeLoopbackPort());
  const url = `http://127.0.0.1:${port}`;
  let httpConfig: Record<string, unknown> = {};
  if (options.bearerToken) {
    // A credentials file, as the deploy example recommends, keeps the token out of the config.
    await writeFile(join(dir, 'token'), options.bearerToken, { mode: 0o600 });
    httpConfig = { authorization: { type: 'Bearer', credentials_file: join(dir, 'token') } };
  } else if (options.basicAuth) {
    await writeFile(join(dir, 'password'), options.basicAuth.password, { mode: 0o600 });
    httpConfig = {
      basic_auth: { username: options.basicAuth.username, password_file: join(dir, 'password') },
    };
  }
  const config = {
    route: {
      receiver: 'clusterburst',
      group_by: ['alertname'],
      group_wait: options.groupWait ?? '1s',
      group_interval: options.groupInterval ?? '1s',
      repeat_interval: options.repeatInterval ?? '1h',
    },
    receivers: [
      {
        name: 'clusterburst',
        webhook_configs: [{ url: options.webhookUrl, send_resolved: true, http_config: httpConfig }],
      },
    ],
  };
  await writeFile(join(dir, 'alertmanager.yml'), stringify(config));
  const cluster = options.cluster;
  const clusterArgs = cluster
    ? [
        `--cluster.listen-address=127.0.0.1:${cluster.port}`,
        `--cluster.advertise-address=127.0.0.1:${cluster.port}`,
        ...cluster.peers.map((p) => `--cluster.peer=127.0.0.1:${p}`),
        `--cluster.peer-timeout=${cluster.peerTimeout ?? '1s'}`,
        // Short gossip so the pair settles (and starts notifying) within seconds.
        '--cluster.gossip-interval=50ms',
        '--cluster.pushpull-interval=2s',
        '--cluster.settle-timeout=5s',
      ]
    : ['--cluster.listen-address='];
  const child = spawn(
    BINARY,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--log.level=warn',
      ...clusterArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await ready(child, url);
  return {
    url,
    port,
    target: `127.0.0.1:${port}`,
    externalUrl: url,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts two Alertmanagers peered over loopback gossip (an HA pair). Both are notified by
 * Prometheus and both may notify the webhook: the second waits `peerTimeout` for the first's
 * notification log, and sends too if it has not arrived.
 */
export async function startAlertmanagerPair(
  options: Omit<AlertmanagerOptions, 'cluster' | 'port'> & { readonly peerTimeout?: string },
): Promise<[AlertmanagerServer, AlertmanagerServer]> {
  const [a, b] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const first = await startAlertmanager({
    ...options,
    cluster: { port: a, peers: [b], peerTimeout: options.peerTimeout },
  });
  try {
    const second = await startAlertmanager({
      ...options,
      cluster: { port: b, peers: [a], peerTimeout: options.peerTimeout },
    });
    return [first, second];
  } catch (error) {
    await first.stop();
    throw error;
  }
}

/** Resolves when `/-/ready` answers 200; rejects with the output if the process exits first. */
async function ready(child: ChildProcess, url: string): Promise<void> {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let gone = false;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => {
      gone = true;
      reject(new Error(`alertmanager exited with ${code}:\n${output}`));
    }),
  );
  exited.catch(() => {});
  const up = waitFor(async () => gone || (await fetch(`${url}/-/ready`)).ok, {
    timeoutMs: 60_000,
    what: 'alertmanager ready',
  });
  try {
    await Promise.race([up, exited]);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}
