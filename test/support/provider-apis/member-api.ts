/**
 * The Kubernetes API servers of an emulated cloud's clusters. Each cluster, once the cloud calls
 * it ready, gets a real kube-emulator on loopback over HTTPS, with a server certificate signed
 * by the cluster's own CA and the member controllers (workload status, LoadBalancer Services
 * with their own data-plane addresses; kube-emulator/BEHAVIOURS.md). Its URL is the endpoint
 * the cloud reports, so the control plane (this API) and the data plane (each Service's load
 * balancer) are apart, as on the real clouds. Stopped when the cloud deletes the cluster and
 * when the emulated cloud closes.
 */
import type { KubeEmulator, MemberControllerOptions, WorkloadKey } from '../kube-emulator/index.ts';
import { startKubeEmulator } from '../kube-emulator/index.ts';
import { makeServerTls, type TestCa } from './x509.ts';

/** Where a cluster's API server listens, when its cloud fixes the port (AKS: 443 on its own address). */
export interface MemberApiListen {
  readonly host: string;
  readonly port: number;
}

/** How one cluster's API server authenticates, as its cloud's authenticator does. */
export interface MemberApiAuth {
  /** A webhook-style bearer-token check (EKS IAM tokens, GKE OAuth tokens). */
  readonly acceptToken?: (token: string) => boolean | Promise<boolean>;
  /** Client certificates chaining to this CA authenticate (AKS admin kubeconfig, Magnum). */
  readonly clientCaPem?: string;
}

/** One running cluster API server. */
export interface MemberApi {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** The cluster CA that signed the server certificate (PEM). */
  readonly caPem: string;
  /** The emulator itself, for tests that look inside the member (objects, data plane). */
  readonly emulator: KubeEmulator;
}

/** Member controller settings for every cluster started from now on. */
export interface MemberApiDefaults {
  /** Delay before placed workloads' replicas are ready. @default 50 */
  readyAfterMs?: number;
  /** Workloads that never become ready, on every cluster. */
  unready: WorkloadKey[];
}

/** The API servers of one emulated cloud, keyed by cluster. */
export class MemberApis {
  readonly defaults: MemberApiDefaults = { unready: [] };
  readonly #running = new Map<string, Promise<MemberApi>>();
  readonly #ready = new Map<string, MemberApi>();
  #closed = false;

  /** `cloud` prefixes each member's name in logs and kubeconfigs (`eks/cb-0123`). */
  constructor(readonly cloud: string) {}

  /** The API server of `key`, started once (later calls share it). */
  start(
    key: string,
    clusterName: string,
    ca: TestCa,
    auth: MemberApiAuth,
    listen?: () => MemberApiListen,
  ): Promise<MemberApi> {
    if (this.#closed) return Promise.reject(new Error(`${this.cloud} emulator is closed`));
    let running = this.#running.get(key);
    if (!running) {
      running = this.#boot(key, clusterName, ca, auth, listen);
      this.#running.set(key, running);
      // A failed start is forgotten, so the next describe tries again.
      running.catch(() => {
        if (this.#running.get(key) === running) this.#running.delete(key);
      });
    }
    return running;
  }

  /** The running API server of `key`, if it has finished starting. */
  get(key: string): MemberApi | undefined {
    return this.#ready.get(key);
  }

  /** The running API server of the cluster whose endpoint is `url` (tests hold endpoints). */
  byUrl(url: string): MemberApi | undefined {
    return [...this.#ready.values()].find((m) => m.url === url);
  }

  /** Stop the API server of a deleted cluster (no-op when none). */
  async stop(key: string): Promise<void> {
    const running = this.#running.get(key);
    this.#running.delete(key);
    this.#ready.delete(key);
    const member = await running?.catch(() => undefined);
    await member?.emulator.stop();
  }

  /** Stop them all (the emulated cloud closes). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#running.keys()].map((key) => this.stop(key)));
  }

  /** The CAs (PEM) of the API servers running now, for clients that trust them. */
  cas(): string[] {
    return [...this.#ready.values()].map((m) => m.caPem);
  }

  /** How many API servers run now (leak checks). */
  get size(): number {
    return this.#running.size;
  }

  async #boot(
    key: string,
    clusterName: string,
    ca: TestCa,
    auth: MemberApiAuth,
    listen: (() => MemberApiListen) | undefined,
  ): Promise<MemberApi> {
    const memberControllers: MemberControllerOptions = {
      clusterName,
      unready: [...this.defaults.unready],
      ...(this.defaults.readyAfterMs !== undefined && { readyAfterMs: this.defaults.readyAfterMs }),
    };
    const boot = (at: MemberApiListen) =>
      startKubeEmulator({
        name: `${this.cloud}-${clusterName}`,
        tls: { ...makeServerTls(ca, [at.host]), caPem: ca.certPem },
        host: at.host,
        port: at.port,
        ...(auth.clientCaPem && { clientCaPem: auth.clientCaPem }),
        ...(auth.acceptToken && { acceptToken: auth.acceptToken }),
        memberControllers,
      });
    let emulator: KubeEmulator | undefined;
    for (let attempt = 0; listen && !emulator && attempt < 3; attempt++) {
      try {
        emulator = await boot(listen());
      } catch {
        // Taken, or a privileged port without the privilege: any free port on 127.0.0.1 below.
      }
    }
    emulator ??= await boot({ host: '127.0.0.1', port: 0 });
    const member = { url: emulator.url, caPem: ca.certPem, emulator };
    if (this.#closed || this.#running.get(key) === undefined) {
      // Closed or deleted while starting: nothing may outlive the cloud.
      await emulator.stop();
      throw new Error(`${this.cloud} cluster ${clusterName} went away while its API server started`);
    }
    this.#ready.set(key, member);
    return member;
  }
}
