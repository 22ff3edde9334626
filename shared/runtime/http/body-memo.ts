/**
 * A route's parsed input, remembered by the exact bytes of its body. Alertmanager sends every
 * notification twice from an HA pair and repeats it each `repeat_interval`; a webhook retried by
 * any sender is byte-identical too. Parsing (JSON, schema, normalisation) is a pure function of
 * the bytes and the configuration, so a repeat reuses the first parse: same input, same 4xx-free
 * path, a fraction of the cost. Only successful parses are kept (a bad body is judged, and
 * answered 400, every time), inputs are frozen so no handler can change what the next request
 * sees, and the memo is bounded in entries and in the size of the bodies it keeps.
 */

/** Most bodies remembered per route; a few signal sources repeating is the case served. */
export const BODY_MEMO_ENTRIES = 64;
/** Bodies longer than this (characters) are parsed every time rather than kept. */
export const BODY_MEMO_MAX_TEXT = 64 * 1024;

/** Least-recently-used map from a body's text to a route's parsed input. */
export class BodyMemo {
  readonly #entries = new Map<string, unknown>();

  /** The input parsed from `text`, parsing (and keeping) it on a miss. */
  async parse<T>(text: string, parse: () => T | Promise<T>): Promise<T> {
    if (text.length > BODY_MEMO_MAX_TEXT) return parse();
    const key = text;
    if (this.#entries.has(key)) {
      const known = this.#entries.get(key) as T;
      // Refresh its place, so the bodies still repeating stay.
      this.#entries.delete(key);
      this.#entries.set(key, known);
      return known;
    }
    const input = deepFreeze(await parse());
    if (this.#entries.size >= BODY_MEMO_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, input);
    return input;
  }

  /** How many inputs are kept. */
  get size(): number {
    return this.#entries.size;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const MEMOS = new WeakMap<object, WeakMap<object, BodyMemo>>();

/**
 * The memo of one route under one configuration (the parse may read it: CloudWatch's demand
 * factors), kept as long as both are; tests run several installations in one process.
 */
export function memoFor(config: object, route: object): BodyMemo {
  let routes = MEMOS.get(config);
  if (!routes) {
    routes = new WeakMap();
    MEMOS.set(config, routes);
  }
  let memo = routes.get(route);
  if (!memo) {
    memo = new BodyMemo();
    routes.set(route, memo);
  }
  return memo;
}
