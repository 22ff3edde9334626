import { sleep } from '../../retry.ts';

/** How to wait for a drained server (or cluster) to lose its last connection. */
export interface WaitForDrainOptions {
  /** Counts the connections still open; polled until it says 0. */
  readonly connections: () => Promise<number>;
  /** Give up after this long; the caller then decides to force. */
  readonly timeoutMs: number;
  /** @default 500 */
  readonly pollMs?: number;
  /** Clock and sleep, replaceable so tests need not wait in real time. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the wait saw: report it in the burst's history (`forced` follows from `drained: false`). */
export interface DrainResult {
  /** The count reached 0 within the bound. */
  readonly drained: boolean;
  readonly waitedMs: number;
  /** Connections still open when the wait ended (0 when drained). */
  readonly remaining: number;
}

/**
 * Polls `connections` until it returns 0 or `timeoutMs` has passed, whichever comes first; never
 * waits past the bound by more than one poll. Errors from `connections` propagate: a gateway
 * that cannot be asked is not a drained one.
 * @example
 * const r = await waitForDrain({ connections: () => gw.connections(ref), timeoutMs: 30_000 });
 * await gw.remove(ref, { force: !r.drained });
 */
export async function waitForDrain(options: WaitForDrainOptions): Promise<DrainResult> {
  const now = options.now ?? (() => performance.now());
  const wait = options.sleep ?? sleep;
  const pollMs = Math.max(1, options.pollMs ?? 500);
  const started = now();
  for (;;) {
    const remaining = await options.connections();
    const waitedMs = Math.round(now() - started);
    if (remaining <= 0) return { drained: true, waitedMs, remaining: 0 };
    const left = options.timeoutMs - waitedMs;
    if (left <= 0) return { drained: false, waitedMs, remaining };
    await wait(Math.min(pollMs, left));
  }
}
