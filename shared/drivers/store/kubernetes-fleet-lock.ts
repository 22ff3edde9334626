import type { CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import { z } from 'zod';
import { OWNER_LABEL } from '../../domain/names.ts';
import { parseInput } from '../../schemas/parse.ts';
import { driverError, isKubeFailure } from '../kube/errors.ts';

/** The fleet object as last read: its resourceVersion and the admission it carries, if any. */
export interface FleetState {
  readonly resourceVersion: string;
  /** The BurstCluster object an admitter claimed but may not have created yet. */
  readonly pending?: Record<string, unknown>;
  readonly admissions: number;
}

const PendingSchema = z.looseObject({ metadata: z.looseObject({ name: z.string() }) });

/**
 * The fleet lock that serialises admissions: one ConfigMap whose resourceVersion is the
 * compare-and-swap token. An admitter claims it by writing the object it is about to create
 * into `data.pending` (a write-ahead entry), creates it, then clears the entry. Whoever finds
 * an entry left behind (its writer died) creates the object for it first, so every admission
 * that won the lock is in the list the next admitter decides on.
 */
export class FleetLock {
  constructor(
    private readonly core: CoreV1Api,
    private readonly namespace: string,
    private readonly name: string,
    private readonly owner?: string,
  ) {}

  /** Reads the fleet object, creating it when absent. */
  async read(): Promise<FleetState> {
    try {
      return this.#state(
        await this.core.readNamespacedConfigMap({ namespace: this.namespace, name: this.name }),
      );
    } catch (error) {
      if (!isKubeFailure(error, 404))
        throw driverError('kubernetes', `reading ConfigMap ${this.name}`, error);
    }
    try {
      const labels = this.owner ? { [OWNER_LABEL]: this.owner } : undefined;
      const body = {
        metadata: { name: this.name, namespace: this.namespace, labels },
        data: { admissions: '0' },
      };
      return this.#state(await this.core.createNamespacedConfigMap({ namespace: this.namespace, body }));
    } catch (error) {
      if (isKubeFailure(error, 409, 'AlreadyExists')) return this.read();
      throw driverError('kubernetes', `creating ConfigMap ${this.name}`, error);
    }
  }

  /** Claims the lock for `pending`; undefined when another admitter moved the lock first. */
  async claim(state: FleetState, pending: Record<string, unknown>): Promise<FleetState | undefined> {
    return this.#write(state, { pending: JSON.stringify(pending), admissions: String(state.admissions + 1) });
  }

  /** Clears the pending entry; a conflict means someone else already cleared it, which is fine. */
  async release(state: FleetState): Promise<void> {
    await this.#write(state, { admissions: String(state.admissions) });
  }

  async #write(state: FleetState, data: Record<string, string>): Promise<FleetState | undefined> {
    const body: V1ConfigMap = {
      metadata: { name: this.name, namespace: this.namespace, resourceVersion: state.resourceVersion },
      data,
    };
    if (this.owner) body.metadata!.labels = { [OWNER_LABEL]: this.owner };
    try {
      return this.#state(
        await this.core.replaceNamespacedConfigMap({ namespace: this.namespace, name: this.name, body }),
      );
    } catch (error) {
      if (isKubeFailure(error, 409) || isKubeFailure(error, 404)) return undefined;
      throw driverError('kubernetes', `writing ConfigMap ${this.name}`, error);
    }
  }

  #state(cm: V1ConfigMap): FleetState {
    const raw = cm.data?.pending;
    const pending = raw ? parseInput(PendingSchema, JSON.parse(raw), 'pending admission') : undefined;
    return {
      resourceVersion: cm.metadata?.resourceVersion ?? '',
      ...(pending ? { pending } : {}),
      admissions: Number(cm.data?.admissions ?? 0) || 0,
    };
  }
}
