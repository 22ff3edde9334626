import { DriverError } from '../../shared/errors.ts';

/** Faults a driver call can be given (before or after the real effect). */
export const CALL_FAULTS = [
  'retryable-before',
  'retryable-after',
  'fatal-before',
  'fatal-after',
  'quota',
  'crash-before',
  'crash-after',
] as const;
export type CallFault = (typeof CALL_FAULTS)[number];

/** Faults of the world and of delivery, each a command of the scenario. */
export const WORLD_FAULTS = [
  'duplicate',
  'reorder',
  'drop',
  'vanish',
  'unreachable',
  'cluster-failed',
  'operator-delete',
  'flap',
  'connections',
  'second-installation',
  'shared-signal',
] as const;
export type WorldFault = (typeof WORLD_FAULTS)[number];

/** Every fault kind the soak knows; each can be switched off by flag. */
export const FAULT_KINDS = [...CALL_FAULTS, ...WORLD_FAULTS] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The process died here: nothing after it in the same operation runs. */
export class Crash extends Error {
  constructor(where: string) {
    super(`crash at ${where}`);
    this.name = 'Crash';
  }
}

/** A fault planned for one operation: the `at`-th driver call (or crash point) gets `kind`. */
export interface PlannedFault {
  readonly at: number;
  readonly kind: CallFault;
}

/**
 * Decides, call by call, which fault an operation's driver calls get. One operation at a time
 * (the scheduler is sequential); after a crash every further call of that operation crashes
 * too, so a `catch` in core code cannot keep a dead process running.
 */
export class Injector {
  #plan: PlannedFault | undefined;
  #calls = 0;
  #dead: string | undefined;
  /** Faults actually injected, by kind. */
  readonly injected = new Map<string, number>();

  constructor(readonly enabled: ReadonlySet<FaultKind>) {}

  /** Start an operation with its planned fault (if that kind is enabled). */
  begin(plan: PlannedFault | undefined): void {
    this.#plan = plan && this.enabled.has(plan.kind) ? plan : undefined;
    this.#calls = 0;
    this.#dead = undefined;
  }

  /** End the operation; says where it crashed, if it did. */
  end(): string | undefined {
    const dead = this.#dead;
    this.#plan = undefined;
    this.#dead = undefined;
    return dead;
  }

  /** Count a world or delivery fault. */
  count(kind: string): void {
    this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
  }

  /** A named crash point of the core (`deps.checkpoint`). */
  checkpoint(name: string): void {
    if (this.#dead) throw new Crash(this.#dead);
    const fault = this.#take();
    if (fault === 'crash-before' || fault === 'crash-after') this.#crash(`checkpoint ${name}`, fault);
  }

  /** Run one driver call under the plan. `write` calls have an effect worth crashing after. */
  async call<T>(where: string, write: boolean, creates: boolean, effect: () => Promise<T>): Promise<T> {
    if (this.#dead) throw new Crash(this.#dead);
    const fault = this.#take();
    // A quota error only makes sense as the answer to a create; elsewhere the call runs clean.
    if (!fault || (fault === 'quota' && !creates)) return effect();
    const after = fault.endsWith('-after');
    if (after && write) await effect();
    switch (fault) {
      case 'crash-before':
      case 'crash-after':
        return this.#crash(where, fault);
      case 'quota':
        this.count(fault);
        throw new DriverError('soak', `QuotaExceeded (injected) at ${where}`, { quota: true });
      case 'retryable-before':
      case 'retryable-after':
        this.count(fault);
        throw new DriverError('soak', `injected retryable error at ${where}`, { retryable: true });
      default:
        this.count(fault);
        throw new DriverError('soak', `injected fatal error at ${where}`);
    }
  }

  #take(): CallFault | undefined {
    const n = this.#calls++;
    return this.#plan && this.#plan.at === n ? this.#plan.kind : undefined;
  }

  #crash(where: string, kind: CallFault): never {
    this.count(kind);
    this.#dead = where;
    throw new Crash(where);
  }
}

/**
 * Wrap `target` so each listed method goes through the injector. `kinds` says per method
 * whether it writes (has an effect) and whether it creates (may answer with a quota error);
 * `before` runs ahead of a write (the ownership check), `after` after it (the budget check).
 */
export function faulty<T extends object>(
  target: T,
  label: string,
  injector: Injector,
  kinds: Readonly<Record<string, 'read' | 'write' | 'create'>>,
  before?: (method: string, args: unknown[]) => void,
  after?: () => Promise<void>,
): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver);
      if (typeof prop !== 'string' || typeof value !== 'function' || !(prop in kinds)) {
        return typeof value === 'function' ? value.bind(t) : value;
      }
      const kind = kinds[prop]!;
      return (...args: unknown[]) =>
        injector.call(`${label}.${prop}`, kind !== 'read', kind === 'create', async () => {
          if (kind !== 'read') before?.(prop, args);
          const result = await value.apply(t, args);
          if (kind !== 'read') await after?.();
          return result;
        });
    },
  });
}
