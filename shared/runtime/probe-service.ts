import { request } from 'node:http';
import { connect } from 'node:net';
import type { ServiceSpec } from '../domain/services.ts';

/** How long one probe may take before it counts as failed. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * Whether `service` answers its health check through its ingress: HTTP `GET <health.path>` with
 * the service's own Host header answering `health.expectStatus`, or a TCP connect. This is what
 * users reach; the cluster's API endpoint is never probed for routing (its /healthz answers
 * whether or not any service runs).
 */
export function probeService(
  service: ServiceSpec,
  ingress: { readonly host: string; readonly port: number },
): Promise<boolean> {
  const health = service.health;
  if (health.type === 'tcp') return probeTcp(ingress.host, ingress.port);
  return new Promise((resolve) => {
    const req = request(
      {
        host: ingress.host,
        port: ingress.port,
        path: health.path,
        method: 'GET',
        headers: { host: service.hostname },
        timeout: PROBE_TIMEOUT_MS,
        agent: false,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === health.expectStatus);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function probeTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: PROBE_TIMEOUT_MS });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
