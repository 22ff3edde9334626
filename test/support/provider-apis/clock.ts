// Over ~350 lines on purpose: the one virtual clock every emulated cloud API shares, with its scheduling and member API servers; each cloud's API is in its own file.
import { request as httpsRequest } from 'node:https';
import {
  DeleteClusterCommand,
  DeleteNodegroupCommand,
  EKSClient,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-eks';
import type { ConfigInput } from '../../../shared/config/config-schema.ts';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../../shared/domain/names.ts';
import type { KeystoneAuth } from '../../../shared/drivers/openstack/keystone.ts';
import { AksProvider } from '../../../shared/drivers/provider/aks.ts';
import { AksOptionsSchema } from '../../../shared/drivers/provider/aks-options.ts';
import { EksProvider } from '../../../shared/drivers/provider/eks.ts';
import { EksOptionsSchema } from '../../../shared/drivers/provider/eks-options.ts';
import { GkeProvider } from '../../../shared/drivers/provider/gke.ts';
import { encodeValue } from '../../../shared/drivers/provider/gke-labels.ts';
import { GkeOptionsSchema } from '../../../shared/drivers/provider/gke-options.ts';
import { MagnumProvider } from '../../../shared/drivers/provider/magnum.ts';
import { MagnumOptionsSchema } from '../../../shared/drivers/provider/magnum-options.ts';
import type { ProviderDriver } from '../../../shared/drivers/provider/provider.ts';
import { ArmEmulator } from './aks.ts';
import { EksFake } from './eks.ts';
import { GkeEmulator } from './gke.ts';
import { MagnumEmulator } from './magnum.ts';
import type { MemberApis } from './member-api.ts';

/**
 * Runs an emulator's time while a runtime polls it: every `everyMs` real milliseconds, `stepMs`
 * emulated ones pass (defaults: a minute every 50 ms, so a 15-minute EKS create takes < 1 s).
 */
export class EmulatedClock {
  #timer?: NodeJS.Timeout;

  constructor(
    readonly tick: (ms: number) => void,
    readonly options: { readonly stepMs: number; readonly everyMs: number } = { stepMs: 60_000, everyMs: 50 },
  ) {}

  get running(): boolean {
    return this.#timer !== undefined;
  }

  start(): this {
    this.#timer ??= setInterval(() => this.tick(this.options.stepMs), this.options.everyMs);
    this.#timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** The commercial providers with an emulated API. */
export type EmulatedKind = 'eks' | 'gke' | 'aks' | 'magnum';
/** Every emulated kind, for `it.each`. */
export const EMULATED_KINDS: readonly EmulatedKind[] = ['eks', 'gke', 'aks', 'magnum'];

/** An emulated provider API, the real driver on it, and the clock of its emulated time. */
export interface EmulatedProvider {
  readonly kind: EmulatedKind;
  readonly region: string;
  readonly driver: ProviderDriver;
  readonly clock: EmulatedClock;
  /** Each ready cluster's Kubernetes API server (its member controllers and data plane inside). */
  readonly members: MemberApis;
  /** The config entry that offers this provider (the driver itself is passed as an override). */
  readonly entry: NonNullable<ConfigInput['providers']>[number];
  /** Names of the clusters the emulated account holds now (anyone's). */
  clusterNames(): string[];
  /** A running cluster made behind clusterburst's back: owner tag as given (none when undefined). */
  seed(name: string, owner?: string): void;
  /** Delete a cluster through the provider's own API (an operator at the console) until it is gone. */
  deleteDirectly(name: string): Promise<void>;
  /** Client certificates the provider signed (Magnum only: each one a new cluster-admin credential). */
  certificatesIssued?(): number;
  close(): Promise<void>;
}

/** How the emulated provider behaves. */
export interface EmulatedOptions {
  /** Emulated time a deletion takes at the provider; 0 makes a deleted cluster vanish at once. */
  readonly deleteMs?: number;
  /**
   * Every cluster created there fails after the create was accepted, for want of quota or
   * capacity, in the provider's own words (what makes placement move on). @default false
   */
  readonly quotaShortage?: boolean;
}

/** How each provider words a quota or capacity shortage found after the create was accepted. */
export const QUOTA_SHORTAGE = {
  eks: {
    code: 'AsgInstanceLaunchFailures',
    message:
      'Could not launch On-Demand Instances. InsufficientInstanceCapacity - We currently do not have sufficient m5.large capacity in the Availability Zone you requested (eu-west-1c). Launching EC2 instance failed.',
  },
  gke: {
    code: 'GCE_STOCKOUT',
    message:
      "Google Compute Engine: The zone 'projects/ri-burst-01/zones/europe-west1-b' does not have enough resources available to fulfill the request. ZONE_RESOURCE_POOL_EXHAUSTED.",
  },
  aks: {
    code: 'ReconcileVMSSAgentPoolFailed',
    message: 'Agent pool burst failed to reach the desired node count.',
    details: [
      {
        code: 'OperationNotAllowed',
        message:
          'Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. Location: westeurope, Current Limit: 10, Current Usage: 8, Additional Required: 8.',
      },
    ],
  },
  magnum: {
    message:
      'Resource CREATE failed: Forbidden: resources.kube_minions.resources[0].resources.kube-minion: Quota exceeded for cores: Requested 8, but already used 20 of 20 cores (HTTP 403)',
  },
} as const;

const TOKEN = 'emulated-bearer-token';
const SEEDED_BURST = 'b-5eeded000000';

/** Start the emulated API of `kind` on loopback and build its driver; the clock is not started. */
export async function startEmulatedProvider(
  kind: EmulatedKind,
  options: EmulatedOptions = {},
): Promise<EmulatedProvider> {
  switch (kind) {
    case 'eks':
      return eks(options);
    case 'gke':
      return gke(options);
    case 'aks':
      return aks(options);
    case 'magnum':
      return magnum(options);
  }
}

function entry(kind: EmulatedKind, region: string, options: object): EmulatedProvider['entry'] {
  // The options the driver was built from, so the configuration loads as it would at a site.
  return {
    name: kind,
    driver: kind,
    regions: [region],
    pricePerNodeHour: 0.2,
    options,
  } as EmulatedProvider['entry'];
}

/** Repeat `attempt` until the cluster is no longer listed (the runtime may poll in between). */
async function untilGone(names: () => string[], name: string, attempt: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (names().includes(name)) {
    if (Date.now() > deadline) throw new Error(`${name} is still there after deleting it directly`);
    await attempt();
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function eks(options: EmulatedOptions): Promise<EmulatedProvider> {
  const region = 'eu-west-1';
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  };
  const client = new EKSClient({ region, credentials });
  const fake = new EksFake(
    client,
    region,
    options.deleteMs === undefined ? {} : { deleteAfterMs: options.deleteMs },
  );
  if (options.quotaShortage) fake.nodegroupFailure = { ...QUOTA_SHORTAGE.eks };
  const input = {
    region,
    roleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
    nodeRoleArn: 'arn:aws:iam::123456789012:role/eks-nodes',
    subnetIds: ['subnet-0a1b2c3d', 'subnet-0e1f2a3b'],
  };
  const driver = new EksProvider('eks', EksOptionsSchema.parse(input), { client, credentials });
  /** One call; gone or busy is fine (the next round takes the next step). */
  const tryCall = async (call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException || error instanceof ResourceInUseException))
        throw error;
    }
  };
  return {
    kind: 'eks',
    members: fake.apis,
    region,
    driver,
    clock: new EmulatedClock((ms) => fake.tick(ms)),
    entry: entry('eks', region, input),
    clusterNames: () => fake.clusterNames(),
    seed(name, owner) {
      fake.seed({
        name,
        arn: `arn:aws:eks:${region}:123456789012:cluster/${name}`,
        status: 'ACTIVE',
        endpoint: `https://${name}.gr7.${region}.eks.amazonaws.com`,
        tags:
          owner === undefined
            ? { team: 'physics' }
            : { [OWNER_LABEL]: owner, [BURST_ID_LABEL]: SEEDED_BURST },
      });
    },
    deleteDirectly: (name) =>
      // Node groups first, as EKS insists; the runtime may re-create one in between, so repeat.
      untilGone(
        () => fake.clusterNames(),
        name,
        async () => {
          for (const nodegroupName of fake.nodegroupNames(name)) {
            await tryCall(() =>
              client.send(new DeleteNodegroupCommand({ clusterName: name, nodegroupName })),
            );
          }
          await tryCall(() => client.send(new DeleteClusterCommand({ name })));
        },
      ),
    async close() {
      await fake.close();
      fake.stub.restore();
      client.destroy();
    },
  };
}

async function gke(options: EmulatedOptions): Promise<EmulatedProvider> {
  const region = 'europe-west1';
  const project = 'ri-burst-01';
  const api = new GkeEmulator(TOKEN, { provisionMs: 6 * 60_000, deleteMs: options.deleteMs ?? 3 * 60_000 });
  if (options.quotaShortage) api.provisioningFailure = { ...QUOTA_SHORTAGE.gke };
  const apiEndpoint = await api.start();
  const input = { project, location: region, apiEndpoint, protocol: 'http' };
  const driver = new GkeProvider('gke', GkeOptionsSchema.parse(input), { tokenSource: async () => TOKEN });
  return {
    kind: 'gke',
    members: api.apis,
    region,
    driver,
    clock: new EmulatedClock((ms) => api.tick(ms)),
    entry: entry('gke', region, input),
    clusterNames: () => api.clusterNames(),
    seed(name, owner) {
      api.seed(
        region,
        name,
        owner === undefined
          ? { team: 'physics' }
          : { 'clusterburst-owner': encodeValue(owner), 'clusterburst-burst-id': SEEDED_BURST },
      );
    },
    deleteDirectly: (name) =>
      untilGone(
        () => api.clusterNames(),
        name,
        async () => {
          const url = `http://${apiEndpoint}/v1/projects/${project}/locations/${region}/clusters/${name}`;
          const res = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
          await res.body?.cancel();
        },
      ),
    close: () => api.close(),
  };
}

async function aks(options: EmulatedOptions): Promise<EmulatedProvider> {
  const region = 'westeurope';
  const subscriptionId = '00000000-1111-2222-3333-444444444444';
  const resourceGroup = 'rg-burst';
  const api = new ArmEmulator(TOKEN, { provisionMs: 8 * 60_000, deleteMs: options.deleteMs ?? 4 * 60_000 });
  if (options.quotaShortage) api.provisioningFailure = QUOTA_SHORTAGE.aks;
  const endpoint = await api.start();
  const credential = { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const input = {
    subscriptionId,
    resourceGroup,
    location: region,
    endpoint,
    caCertificates: api.ca.certPem,
  };
  const driver = new AksProvider('aks', AksOptionsSchema.parse(input), { credential });
  const deleteOnce = (name: string) =>
    new Promise<void>((resolve, reject) => {
      const url = `${endpoint}/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}?api-version=2025-10-01`;
      const req = httpsRequest(
        url,
        { method: 'DELETE', ca: api.ca.certPem, headers: { authorization: `Bearer ${TOKEN}` } },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end();
    });
  return {
    kind: 'aks',
    members: api.apis,
    region,
    driver,
    clock: new EmulatedClock((ms) => api.tick(ms)),
    entry: entry('aks', region, input),
    clusterNames: () => api.clusterNames(),
    seed(name, owner) {
      api.seed(
        name,
        region,
        owner === undefined
          ? { team: 'physics' }
          : { 'clusterburst-owner': owner, 'clusterburst-burst-id': SEEDED_BURST },
      );
    },
    deleteDirectly: (name) =>
      untilGone(
        () => api.clusterNames(),
        name,
        () => deleteOnce(name),
      ),
    close: () => api.close(),
  };
}

async function magnum(options: EmulatedOptions): Promise<EmulatedProvider> {
  const region = 'RegionOne';
  const auth: KeystoneAuth = {
    type: 'password',
    username: 'clusterburst',
    password: 'S3cret-Keystone-Pa55',
    userDomainName: 'Default',
    projectName: 'burst',
    projectDomainName: 'Default',
  };
  const api = new MagnumEmulator(auth, region, {
    provisionMs: 12 * 60_000,
    deleteMs: options.deleteMs ?? 5 * 60_000,
  });
  if (options.quotaShortage) api.provisioningFailure = QUOTA_SHORTAGE.magnum.message;
  const authUrl = await api.start();
  const origin = new URL(authUrl).origin;
  const input = {
    authUrl,
    auth,
    region,
    clusterTemplateId: api.template.uuid,
  };
  const driver = new MagnumProvider('magnum', MagnumOptionsSchema.parse(input));
  const deleteOnce = async (name: string) => {
    // A token of our own, as the operator's openstack CLI would get one.
    const login = await fetch(`${authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: auth.username, domain: { name: auth.userDomainName }, password: auth.password },
            },
          },
        },
      }),
    });
    await login.body?.cancel();
    const token = login.headers.get('x-subject-token') ?? '';
    const res = await fetch(`${origin}/container-infra/v1/clusters/${encodeURIComponent(name)}`, {
      method: 'DELETE',
      headers: { 'x-auth-token': token },
    });
    await res.body?.cancel();
  };
  return {
    kind: 'magnum',
    members: api.apis,
    region,
    driver,
    clock: new EmulatedClock((ms) => api.tick(ms)),
    entry: entry('magnum', region, input),
    clusterNames: () => api.clusterNames(),
    seed(name, owner) {
      api.seed(
        name,
        owner === undefined ? { team: 'physics' } : { [OWNER_LABEL]: owner, [BURST_ID_LABEL]: SEEDED_BURST },
      );
    },
    deleteDirectly: (name) =>
      untilGone(
        () => api.clusterNames(),
        name,
        () => deleteOnce(name),
      ),
    certificatesIssued: () => api.certificatesIssued,
    close: () => api.close(),
  };
}
