import { Agent, request } from 'node:http';

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

/** What the load saw. Times are `performance.now()` values. */
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
  const startedAt = performance.now();
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
      const at = performance.now();
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
    const now = performance.now();
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
    const durationMs = (stoppedAt ?? performance.now()) - startedAt;
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
    stoppedAt ??= performance.now();
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
