/**
 * Fault injection for one emulator: latency, injected 500s and dropped connections, each
 * optionally limited to requests whose method and path match. `when: 'after'` applies the
 * request first and then fails the answer: the "did my create happen?" case that idempotent
 * drivers must survive.
 */

/** Which requests a fault applies to. */
export interface FaultFilter {
  /** HTTP method, e.g. 'POST' (case-insensitive). @default any */
  readonly method?: string;
  /** Tested against the path without query, e.g. /\/secrets/. @default any */
  readonly path?: RegExp;
}

/** Options of `failNext` and `dropNext`. */
export interface FaultOptions extends FaultFilter {
  /** Let this many matching requests through first (fail the k-th call). @default 0 */
  readonly skip?: number;
  /** 'before' fails without touching state; 'after' applies the request, then fails. @default 'before' */
  readonly when?: 'before' | 'after';
}

/** Options of `failNext`. */
export interface FailOptions extends FaultOptions {
  /** HTTP status of the injected failure. @default 500 */
  readonly status?: number;
}

/** What the server must do with one request. */
export interface FaultDecision {
  readonly latencyMs: number;
  readonly action?:
    | { readonly kind: 'fail'; readonly status: number; readonly when: 'before' | 'after' }
    | { readonly kind: 'drop'; readonly when: 'before' | 'after' };
}

interface Rule {
  readonly kind: 'fail' | 'drop';
  readonly filter: FaultFilter;
  skip: number;
  remaining: number;
  readonly status: number;
  readonly when: 'before' | 'after';
}

function matches(filter: FaultFilter, method: string, path: string): boolean {
  if (filter.method && filter.method.toUpperCase() !== method.toUpperCase()) return false;
  if (filter.path && !filter.path.test(path)) return false;
  return true;
}

/** The fault switchboard of one emulator (`emulator.faults`). */
export class Faults {
  #rules: Rule[] = [];
  #latency: { ms: number; filter: FaultFilter } = { ms: 0, filter: {} };
  #injected = 0;

  /** Delays every matching request by `ms` until changed; `setLatency(0)` turns it off. */
  setLatency(ms: number, filter: FaultFilter = {}): void {
    this.#latency = { ms, filter };
  }

  /** The next `count` matching requests answer with a 500 InternalError Status (or `status`). */
  failNext(count = 1, options: FailOptions = {}): void {
    this.#add('fail', count, options, options.status ?? 500);
  }

  /** The next `count` matching requests have their connection destroyed without an answer. */
  dropNext(count = 1, options: FaultOptions = {}): void {
    this.#add('drop', count, options, 0);
  }

  #add(kind: Rule['kind'], count: number, options: FaultOptions, status: number): void {
    this.#rules.push({
      kind,
      filter: { method: options.method, path: options.path },
      skip: options.skip ?? 0,
      remaining: count,
      status,
      when: options.when ?? 'before',
    });
  }

  /** Removes every pending fault and the latency. */
  clear(): void {
    this.#rules = [];
    this.#latency = { ms: 0, filter: {} };
  }

  /** How many injected failures and drops are still armed. */
  pending(): number {
    return this.#rules.reduce((n, r) => n + r.remaining, 0);
  }

  /** How many faults (failures and drops) have fired so far. */
  injected(): number {
    return this.#injected;
  }

  /** Consumes the rules for one request and says what to do with it. */
  decide(method: string, path: string): FaultDecision {
    const latencyMs = matches(this.#latency.filter, method, path) ? this.#latency.ms : 0;
    for (const rule of this.#rules) {
      if (rule.remaining <= 0 || !matches(rule.filter, method, path)) continue;
      if (rule.skip > 0) {
        rule.skip--;
        continue;
      }
      rule.remaining--;
      this.#rules = this.#rules.filter((r) => r.remaining > 0);
      this.#injected++;
      return {
        latencyMs,
        action:
          rule.kind === 'fail'
            ? { kind: 'fail', status: rule.status, when: rule.when }
            : { kind: 'drop', when: rule.when },
      };
    }
    return { latencyMs };
  }
}
