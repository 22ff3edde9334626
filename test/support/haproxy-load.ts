import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';

/** Epoch milliseconds, sub-millisecond precise: comparable across processes, unlike `performance.now()`. */
export function clock(): number {
  return performance.timeOrigin + performance.now();
}

/** Options of `startLoad`. */
export interface LoadOptions {
  /** `http://127.0.0.1:<port>/`; every answer's body is the name of the backend that served it. */
  readonly url: string;
  /** Requests started per second, alternating kept-alive and new connections. */
  readonly ratePerSecond: number;
  /** Sockets of the kept-alive agent. @default 16 */
  readonly keepAliveSockets?: number;
  /** Requests in flight at most; past it a due request is counted as `skipped`. @default 200 */
  readonly maxInFlight?: number;
  /** A request slower than this fails. @default 10000 */
  readonly timeoutMs?: number;
  /** The load stops by itself after this, whatever the test does. @default 120000 */
  readonly maxDurationMs?: number;
}

/** What the load saw. Times are epoch milliseconds with sub-millisecond precision (see `clock`). */
export interface LoadReport {
  readonly requests: number;
  readonly succeeded: number;
  /** Non-2xx answers, socket errors and timeouts, each with when and why. */
  readonly failures: readonly { readonly at: number; readonly reason: string }[];
  /** Requests that were due while `maxInFlight` were open (the generator fell behind). */
  readonly skipped: number;
  readonly keptAlive: number;
  readonly fresh: number;
  readonly perBackend: Readonly<Record<string, number>>;
  readonly firstServedAt: Readonly<Record<string, number>>;
  readonly lastServedAt: Readonly<Record<string, number>>;
  readonly startedAt: number;
  readonly durationMs: number;
  /** Completed requests per second over the run. */
  readonly achievedRps: number;
}

/** A running load; `stop` waits (bounded) for the requests in flight and returns the report. */
export interface Load {
  report(): LoadReport;
  stop(): Promise<LoadReport>;
}

/**
 * Sends paced GET requests: even ones over a keep-alive agent, odd ones each on a new connection
 * (`Connection: close`), so both ways users reach a gateway are exercised. Bounded in rate, in
 * requests in flight and in time.
 */
export function startLoad(options: LoadOptions): Load {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxInFlight = options.maxInFlight ?? 200;
  // Close idle kept-alive sockets before HAProxy's http-keep-alive timeout does, so a request is
  // never written onto a socket the proxy is closing (a client-side race, not a gateway failure).
  const agent = new Agent({ keepAlive: true, maxSockets: options.keepAliveSockets ?? 16, timeout: 4000 });
  const startedAt = clock();
  let issued = 0;
  let inFlight = 0;
  let stoppedAt: number | undefined;
  const counts = { requests: 0, succeeded: 0, skipped: 0, keptAlive: 0, fresh: 0 };
  const failures: { at: number; reason: string }[] = [];
  const perBackend: Record<string, number> = {};
  const firstServedAt: Record<string, number> = {};
  const lastServedAt: Record<string, number> = {};
  const idle: (() => void)[] = [];

  const fire = (keepAlive: boolean) => {
    counts.requests++;
    if (keepAlive) counts.keptAlive++;
    else counts.fresh++;
    inFlight++;
    let settled = false;
    const settle = (reason?: string, backend?: string) => {
      if (settled) return;
      settled = true;
      inFlight--;
      const at = clock();
      if (reason) failures.push({ at, reason });
      else if (backend !== undefined) {
        counts.succeeded++;
        perBackend[backend] = (perBackend[backend] ?? 0) + 1;
        firstServedAt[backend] ??= at;
        lastServedAt[backend] = at;
      }
      if (inFlight === 0) for (const resolve of idle.splice(0)) resolve();
    };
    const req = request(options.url, {
      agent: keepAlive ? agent : false,
      headers: keepAlive ? {} : { connection: 'close' },
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) =>
      settle(`${keepAlive ? 'kept-alive' : 'new'}: ${error.code ?? error.message}`),
    );
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('error', (error) => settle(`response: ${error.message}`));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) settle(`status ${status}: ${body.trim().slice(0, 80)}`);
        else settle(undefined, body.trim());
      });
    });
    req.end();
  };

  const tick = () => {
    const now = clock();
    if (now - startedAt > (options.maxDurationMs ?? 120_000)) return void stop();
    const due = Math.floor(((now - startedAt) * options.ratePerSecond) / 1000) - issued;
    for (let i = 0; i < due; i++) {
      issued++;
      if (inFlight >= maxInFlight) counts.skipped++;
      else fire(issued % 2 === 0);
    }
  };
  const timer = setInterval(tick, 5);

  const report = (): LoadReport => {
    const durationMs = (stoppedAt ?? clock()) - startedAt;
    return {
      ...counts,
      failures: [...failures],
      perBackend: { ...perBackend },
      firstServedAt: { ...firstServedAt },
      lastServedAt: { ...lastServedAt },
      startedAt,
      durationMs,
      achievedRps: durationMs > 0 ? (counts.succeeded + failures.length) / (durationMs / 1000) : 0,
    };
  };
  const stop = async (): Promise<LoadReport> => {
    clearInterval(timer);
    stoppedAt ??= clock();
    if (inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => idle.push(resolve)),
        new Promise((resolve) => setTimeout(resolve, timeoutMs + 1000)),
      ]);
    }
    agent.destroy();
    return report();
  };
  return { report, stop };
}

/** A load running in a child process; same reports as `Load`, asynchronously. */
export interface RemoteLoad {
  report(): Promise<LoadReport>;
  stop(): Promise<LoadReport>;
}

/** Starts `startLoad` in a child Node process (TypeScript through tsx) and waits until it runs. */
export async function startLoadProcess(options: LoadOptions): Promise<RemoteLoad> {
  const entry = fileURLToPath(new URL('./haproxy-load-process.ts', import.meta.url));
  const child = fork(entry, [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let final: LoadReport | undefined;
  const next = (): Promise<{ report?: LoadReport; ready?: boolean; final?: boolean }> =>
    new Promise((resolve, reject) => {
      const onExit = () => reject(new Error('the load process exited'));
      if (child.exitCode !== null || child.signalCode !== null) return onExit();
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message as { report?: LoadReport; ready?: boolean; final?: boolean });
      });
    });
  await next();
  // One request at a time: each answer is matched to the message that asked for it.
  let queue: Promise<unknown> = Promise.resolve();
  const ask = (message: 'report' | 'stop') => {
    const answer = queue.then(async () => {
      if (final) return final;
      const reply = next();
      child.send(message);
      const { report } = await reply;
      if (!report) throw new Error('the load process answered without a report');
      return report;
    });
    queue = answer.catch(() => {});
    return answer;
  };
  return {
    report: () => ask('report'),
    async stop() {
      final ??= await ask('stop');
      await exited;
      return final;
    },
  };
}
