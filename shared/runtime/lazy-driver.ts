import { ClusterburstError } from '../errors.ts';

/** Anything a driver may hold open. */
interface Closable {
  close?(): Promise<void>;
}

/**
 * One driver, built on first use. Concurrent first calls share one build; a failed build is
 * forgotten, so the next call tries again (a transient failure must not poison the instance),
 * while a bad option fails every call the same way. Closing closes only a driver that was built.
 */
export class LazyDriver<T extends Closable> {
  readonly #what: string;
  readonly #build: () => Promise<T>;
  #pending: Promise<T> | undefined;
  #closed = false;

  /** `what` names the driver in errors, e.g. `gateway haproxy`. */
  constructor(what: string, build: () => Promise<T>) {
    this.#what = what;
    this.#build = build;
  }

  /** The driver, building it now if this is the first call. */
  get(): Promise<T> {
    // Building after close would open sockets nothing will ever close.
    if (this.#closed) return Promise.reject(new ClusterburstError(`${this.#what} driver is closed`));
    if (!this.#pending) {
      // Through a promise, so a constructor that throws synchronously still rejects.
      const building = Promise.resolve().then(this.#build);
      this.#pending = building;
      building.catch(() => {
        if (this.#pending === building) this.#pending = undefined;
      });
    }
    return this.#pending;
  }

  /** Close the driver if it was built (waiting for a build under way); later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const driver = await this.#pending?.catch(() => undefined);
    this.#pending = undefined;
    await driver?.close?.();
  }
}
