import { OctaviaGateway } from '../../shared/drivers/gateway/octavia.ts';
import type { OctaviaGatewayOptionsInput } from '../../shared/drivers/gateway/octavia-options.ts';
import { OctaviaGatewayOptionsSchema } from '../../shared/drivers/gateway/octavia-options.ts';
import type { KeystoneAuth } from '../../shared/drivers/openstack/keystone.ts';
import { OctaviaEmulator } from './provider-apis/octavia.ts';

/** The application credential the emulated Keystone accepts. */
export const OCTAVIA_CREDENTIALS: KeystoneAuth = {
  type: 'applicationCredential',
  id: 'ac-burst',
  secret: 's3cret',
};

/** A started Octavia emulator and a driver for its pool, backend `web`. */
export interface OctaviaSetup {
  readonly octavia: OctaviaEmulator;
  readonly authUrl: string;
  gateway(owner?: string, options?: Partial<OctaviaGatewayOptionsInput>): OctaviaGateway;
  stop(): Promise<void>;
}

/** Octavia driver options for the emulator: fast backoff, so 409 retries take milliseconds. */
export function octaviaOptions(authUrl: string, pool: string): OctaviaGatewayOptionsInput {
  return {
    authUrl,
    auth: OCTAVIA_CREDENTIALS,
    pools: { web: pool },
    pendingBackoffMs: 5,
    pendingMaxBackoffMs: 40,
    pendingTimeoutMs: 5000,
    callTimeoutMs: 5000,
  };
}

/** Start an emulated Keystone + Octavia with one load balancer, listener and pool. */
export async function startOctavia(
  topology: 'SINGLE' | 'ACTIVE_STANDBY' = 'ACTIVE_STANDBY',
): Promise<OctaviaSetup> {
  const octavia = new OctaviaEmulator(OCTAVIA_CREDENTIALS, { topology });
  const authUrl = await octavia.start();
  const gateways: OctaviaGateway[] = [];
  return {
    octavia,
    authUrl,
    gateway(owner = 'test-installation', options = {}) {
      const gw = new OctaviaGateway(
        OctaviaGatewayOptionsSchema.parse({ ...octaviaOptions(authUrl, octavia.pool.name), ...options }),
        { owner, resolve: async () => '127.0.0.1' },
      );
      gateways.push(gw);
      return gw;
    },
    stop: () => octavia.close(),
  };
}
