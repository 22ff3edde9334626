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
/** Bodies longer than this (bytes) are parsed every time rather than kept. */
export const BODY_MEMO_MAX_BYTES = 64 * 1024;

/**
 * Least-recently-used list from a body's bytes to a route's parsed input. Bytes, not text: a
 * repeat is found by comparing its length and then its bytes with the few kept (memcmp), with no
 * string to decode and hash first.
 */
export class BodyMemo {
  /** Most recently used first. */
  readonly #entries: { readonly bytes: Buffer; readonly input: unknown }[] = [];

  /** The input parsed from `bytes`: at once for a repeat, else parsed (and kept). */
  parse<T>(bytes: Buffer, parse: () => T | Promise<T>): T | Promise<T> {
    if (bytes.length > BODY_MEMO_MAX_BYTES) return parse();
    const at = this.#entries.findIndex((e) => e.bytes.length === bytes.length && e.bytes.equals(bytes));
    if (at < 0) return this.#keep(Buffer.from(bytes), parse);
    const known = this.#entries[at]!;
    // Refresh its place, so the bodies still repeating stay.
    if (at > 0) this.#entries.unshift(...this.#entries.splice(at, 1));
    return known.input as T;
  }

  /** Parse and keep `bytes` (a copy: the request's buffer may be a view of a larger one). */
  async #keep<T>(bytes: Buffer, parse: () => T | Promise<T>): Promise<T> {
    const input = deepFreeze(await parse());
    if (this.#entries.length >= BODY_MEMO_ENTRIES) this.#entries.pop();
    this.#entries.unshift({ bytes, input });
    return input;
  }

  /** How many inputs are kept. */
  get size(): number {
    return this.#entries.length;
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
