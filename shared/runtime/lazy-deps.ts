/**
 * The configuration loader (YAML, zod schemas) and createDeps (Powertools, prom-client, the
 * outbox relay) are imported on the first invocation, not when the function's module loads: a
 * cold start pays for them once it has a request to answer, and importing the module stays cheap.
 */
import type { Config } from '../config/config-schema.ts';
import type { Deps } from '../core/deps.ts';
import type { CreateDepsOptions } from './create-deps.ts';

/** Builds the dependencies of a function instance: configuration from the environment by default. */
export type DepsFactory = () => Promise<Deps>;

const fromEnvironment: DepsFactory = async () => {
  const [{ loadConfig }, { createDeps }] = await Promise.all([
    import('../config/load-config.ts'),
    import('./create-deps.ts'),
  ]);
  return createDeps(loadConfig());
};

let factory: DepsFactory = fromEnvironment;
let pending: Promise<Deps> | undefined;

/**
 * The dependencies of this function instance, built on first use and then shared by every
 * invocation until the platform recycles the instance (one cold start, one build). Building
 * lazily rather than at import keeps a bad configuration from crashing the module load: the
 * invocation fails with a logged ConfigError instead. A failed build is forgotten, so the next
 * invocation tries again (a transient error must not poison the instance for its lifetime).
 * Platform-neutral: the Lambda and Cloud Functions adapters share it.
 */
export function lazyDeps(): Promise<Deps> {
  if (!pending) {
    // Through a promise, so a factory that throws synchronously still rejects.
    const building = Promise.resolve().then(factory);
    pending = building;
    building.catch(() => {
      if (pending === building) pending = undefined;
    });
  }
  return pending;
}

/**
 * Replace how dependencies are built (tests, embedding) and forget the current ones, closing
 * them. With no argument, go back to `loadConfig()` from the environment.
 * @example
 * await useDeps(config, { overrides: { now: () => fixedDate } });
 */
export async function useDeps(config?: Config, options: CreateDepsOptions = {}): Promise<void> {
  await resetDeps();
  factory = config
    ? async () => (await import('./create-deps.ts')).createDeps(config, options)
    : fromEnvironment;
}

/** Close and forget the current dependencies; the next invocation builds them again. */
export async function resetDeps(): Promise<void> {
  const current = pending;
  pending = undefined;
  const deps = await current?.catch(() => undefined);
  if (deps) await (await import('./create-deps.ts')).closeDeps(deps);
}
