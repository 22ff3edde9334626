/**
 * The Services (and EndpointSlices) the `gateway-api` driver owns, one per burst server: created
 * or widened on add, deleted once no route refers to them. One without our label is never
 * updated or deleted; a concurrent write (409 on the resourceVersion we read) is retried.
 */
import { isIP } from 'node:net';
import type { CoreV1Api, DiscoveryV1Api, V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { DriverError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import { deleteIfPresent, readIfPresent } from '../kube/calls.ts';
import { driverError, isKubeFailure } from '../kube/errors.ts';
import {
  addressOf,
  type BackendTarget,
  endpointSliceFor,
  isOurs,
  portsOf,
  serviceFor,
} from './gateway-api-service.ts';

const DRIVER = 'gateway-api';

/** Our backend Services of one namespace. */
export class BackendServices {
  constructor(
    readonly core: CoreV1Api,
    readonly discovery: DiscoveryV1Api,
    readonly namespace: string,
    /** Tries of a Service write that keeps conflicting. */
    readonly maxAttempts: number,
  ) {}

  /** Creates our Service (and EndpointSlice) or widens its ports; refuses one that is not ours. */
  async ensure(target: BackendTarget): Promise<void> {
    try {
      await retry(() => this.#ensureOnce(target), {
        attempts: this.maxAttempts,
        baseMs: 20,
        maxMs: 500,
        retryIf: (e) => isKubeFailure(e, 409),
      });
    } catch (error) {
      if (error instanceof DriverError) throw error;
      throw driverError(DRIVER, `write Service ${this.#where(target.name)}`, error);
    }
  }

  /** Deletes our Service and EndpointSlice named `name`; ones without our label stay. */
  async deleteOurs(name: string): Promise<void> {
    const namespace = this.namespace;
    const slice = await this.slice(name);
    if (slice && isOurs(slice)) {
      await deleteIfPresent(DRIVER, `EndpointSlice ${this.#where(name)}`, () =>
        this.discovery.deleteNamespacedEndpointSlice({ name, namespace }),
      );
    }
    const service = await this.service(name);
    if (service && isOurs(service)) {
      await deleteIfPresent(DRIVER, `Service ${this.#where(name)}`, () =>
        this.core.deleteNamespacedService({ name, namespace }),
      );
    }
  }

  service(name: string): Promise<V1Service | undefined> {
    return readIfPresent(DRIVER, `Service ${this.#where(name)}`, () =>
      this.core.readNamespacedService({ name, namespace: this.namespace }),
    );
  }

  slice(name: string): Promise<V1EndpointSlice | undefined> {
    return readIfPresent(DRIVER, `EndpointSlice ${this.#where(name)}`, () =>
      this.discovery.readNamespacedEndpointSlice({ name, namespace: this.namespace }),
    );
  }

  async #ensureOnce(target: BackendTarget): Promise<void> {
    const namespace = this.namespace;
    const existing = await this.service(target.name);
    let wanted = target;
    if (!existing) {
      await this.core.createNamespacedService({ namespace, body: serviceFor(target) });
    } else {
      if (!isOurs(existing)) {
        throw new DriverError(DRIVER, `Service ${this.#where(target.name)} exists and is not clusterburst's`);
      }
      const current = addressOf(existing, await this.slice(target.name));
      if (current && current !== target.address) {
        throw new DriverError(DRIVER, `Service ${this.#where(target.name)} already points at ${current}`);
      }
      wanted = { ...target, ports: [...new Set([...portsOf(existing), ...target.ports])] };
      if (wanted.ports.length > portsOf(existing).length) {
        // Carries the resourceVersion read above: a concurrent change makes this a 409, retried.
        const body = { ...serviceFor(wanted), metadata: { ...existing.metadata } };
        await this.core.replaceNamespacedService({ name: target.name, namespace, body });
      }
    }
    if (isIP(target.address)) await this.#ensureSlice(wanted);
  }

  async #ensureSlice(target: BackendTarget): Promise<void> {
    const namespace = this.namespace;
    const existing = await this.slice(target.name);
    const body = endpointSliceFor(target);
    if (!existing) {
      await this.discovery.createNamespacedEndpointSlice({ namespace, body });
      return;
    }
    if (!isOurs(existing))
      throw new DriverError(DRIVER, `EndpointSlice ${this.#where(target.name)} is not clusterburst's`);
    const portList = (slice: V1EndpointSlice) =>
      (slice.ports ?? []).map((p) => p.port ?? 0).sort((a, b) => a - b);
    const same = portList(existing).join() === portList(body).join();
    if (same && addressOf(undefined, existing) === target.address) return;
    await this.discovery.replaceNamespacedEndpointSlice({
      name: target.name,
      namespace,
      body: { ...body, metadata: { ...existing.metadata, labels: body.metadata?.labels } },
    });
  }

  #where(name: string): string {
    return `${this.namespace}/${name}`;
  }
}
