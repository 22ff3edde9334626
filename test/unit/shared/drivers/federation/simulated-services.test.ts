import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../shared/config/load-config.ts';
import type { ServiceSpec } from '../../../../../shared/domain/services.ts';
import type { MemberSpec } from '../../../../../shared/drivers/federation/federation.ts';
import { SimulatedFederation } from '../../../../../shared/drivers/federation/simulated.ts';
import {
  type SimulatedFederationOptionsInput,
  SimulatedFederationOptionsSchema,
} from '../../../../../shared/drivers/federation/simulated-options.ts';
import { SimulatedProvider } from '../../../../../shared/drivers/provider/simulated.ts';
import { SimulatedProviderOptionsSchema } from '../../../../../shared/drivers/provider/simulated-options.ts';
import { CONTRACT_SERVICES } from '../../../../support/contracts/federation.ts';
import { hostRequest } from '../../../../support/host-request.ts';

const [WEB, QUEUE] = CONTRACT_SERVICES as [ServiceSpec, ServiceSpec];
const open: { close(): Promise<void> }[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A simulated cluster joined to a simulated federation with these options. */
async function joined(options: SimulatedFederationOptionsInput = {}, name = 'cb-0123456789ab') {
  const provider = new SimulatedProvider(
    'simulated',
    SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0 }),
  );
  open.push(provider);
  await provider.create({
    name,
    burstId: 'b-0123456789ab',
    owner: 'me',
    region: 'local',
    nodes: 1,
    labels: {},
  });
  await provider.describe(name);
  const federation = new SimulatedFederation(
    SimulatedFederationOptionsSchema.parse({ readyAfterSeconds: 0, ...options }),
  );
  open.push(federation);
  const member: MemberSpec = {
    name,
    burstId: 'b-0123456789ab',
    owner: 'me',
    provider: 'simulated',
    region: 'local',
    credentials: await provider.credentials(name),
    labels: {},
  };
  await federation.join(member);
  return { federation, member, provider };
}

async function ingressOf(federation: SimulatedFederation, member: string, service: ServiceSpec) {
  const [status] = await federation.serviceStatus(member, [service]);
  if (!status?.ingress) throw new Error(`${service.name} has no ingress on ${member}`);
  return status.ingress;
}

/** Opens a TCP connection; resolves with the socket, or rejects with the connection error. */
function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Whether a request to the port is refused or reset rather than answered. */
async function refused(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`).then(
    async (res) => {
      await res.body?.cancel();
      return false;
    },
    () => true,
  );
}

function readAll(socket: Socket): Promise<string> {
  let data = '';
  socket.on('data', (chunk) => {
    data += chunk;
  });
  return new Promise((resolve) => socket.once('close', () => resolve(data)));
}

describe('simulated federation: each service is its own listener on the member', () => {
  it('answers an HTTP request at the ingress with the service and the cluster, on a port apart from the API endpoint', async () => {
    const { federation, member } = await joined();
    await federation.place(member.name, [WEB]);
    const ingress = await ingressOf(federation, member.name, WEB);
    expect(ingress.host).toBe('127.0.0.1');
    expect(String(ingress.port)).not.toBe(new URL(member.credentials.endpoint).port);
    const res = await hostRequest(`http://127.0.0.1:${ingress.port}/anything`, WEB.hostname);
    expect(res.status).toBe(200);
    expect(res.headers['x-service']).toBe('web');
    expect(res.headers['x-cluster']).toBe(member.name);
    expect(JSON.parse(res.body)).toEqual({ service: 'web', cluster: member.name });
  });

  it('answers the health path with the status the health check expects', async () => {
    const { federation, member } = await joined();
    const teapot: ServiceSpec = { ...WEB, health: { type: 'http', path: '/ready', expectStatus: 204 } };
    await federation.place(member.name, [teapot]);
    const { port } = await ingressOf(federation, member.name, teapot);
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(204);
  });

  it('routes by hostname when exposed by a Gateway: another Host gets 404, the service Host the service', async () => {
    const { federation, member } = await joined();
    const gateway: ServiceSpec = {
      ...WEB,
      expose: { kind: 'Gateway', namespace: 'gw', name: 'edge', port: 80 },
    };
    await federation.place(member.name, [gateway]);
    const { port } = await ingressOf(federation, member.name, gateway);
    const other = await hostRequest(`http://127.0.0.1:${port}/`, 'other.example.org');
    expect(other.status).toBe(404);
    expect(other.headers['x-service']).toBeUndefined();
    const mine = await hostRequest(`http://127.0.0.1:${port}/`, `${WEB.hostname}:${port}`);
    expect(JSON.parse(mine.body)).toEqual({ service: 'web', cluster: member.name });
    expect(federation.listener(member.name, 'web')?.served).toBe(1);
  });

  it('accepts a TCP connection for a tcp service and says which service and cluster took it', async () => {
    const { federation, member } = await joined();
    await federation.place(member.name, [QUEUE]);
    const { port } = await ingressOf(federation, member.name, QUEUE);
    const socket = await dial(port);
    const greeting = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(String(d))));
    socket.destroy();
    expect(greeting).toBe(`queue ${member.name}\n`);
  });

  it('refuses connections and reports no ready replicas until readyAfterSeconds have passed', async () => {
    const { federation, member } = await joined({ readyAfterSeconds: 0.5 });
    await federation.place(member.name, [WEB]);
    const [before] = await federation.serviceStatus(member.name, [WEB]);
    expect(before).toMatchObject({ desiredReplicas: 1, readyReplicas: 0 });
    expect(before?.ingress).toBeDefined();
    expect(await refused(before!.ingress!.port)).toBe(true);
    await new Promise((r) => setTimeout(r, 550));
    const [after] = await federation.serviceStatus(member.name, [WEB]);
    expect(after).toMatchObject({ desiredReplicas: 1, readyReplicas: 1, ingress: before?.ingress });
    expect(await refused(after!.ingress!.port)).toBe(false);
  });

  it('starts one listener when placed several times at once', async () => {
    const { federation, member } = await joined();
    await Promise.all([1, 2, 3, 4].map(() => federation.place(member.name, [WEB, QUEUE])));
    expect(federation.log.filter((e) => e.op.startsWith('place')).map((e) => e.op)).toEqual([
      'place web',
      'place queue',
    ]);
  });

  it('places nothing new on a cordoned member, and places once it is uncordoned', async () => {
    const { federation, member } = await joined();
    await federation.cordon(member.name);
    await federation.place(member.name, [WEB]);
    const [cordoned] = await federation.serviceStatus(member.name, [WEB]);
    expect(cordoned).toMatchObject({ desiredReplicas: 0, readyReplicas: 0 });
    expect(cordoned?.message).toContain('cordoned');
    await federation.uncordon(member.name);
    await federation.place(member.name, [WEB]);
    expect((await federation.serviceStatus(member.name, [WEB]))[0]?.readyReplicas).toBe(1);
  });
});

describe('simulated federation: services leave a member gracefully', () => {
  it('lets an in-flight request finish when unplaced, refusing new connections meanwhile', async () => {
    const { federation, member } = await joined({ terminationGraceSeconds: 10 });
    await federation.place(member.name, [WEB]);
    const { port } = await ingressOf(federation, member.name, WEB);
    const socket = await dial(port);
    const answer = readAll(socket);
    socket.write('POST /upload HTTP/1.1\r\nHost: web.example.org\r\nContent-Length: 5\r\n\r\nab');
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const unplaced = federation.unplace(member.name, [WEB]);
    await new Promise((r) => setTimeout(r, 50));
    await expect(dial(port)).rejects.toThrow(/ECONNREFUSED/);
    socket.write('cde');
    const response = await answer;
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(response.toLowerCase()).toContain('connection: close');
    expect(response).toContain(`{"service":"web","cluster":"${member.name}"}`);
    expect(await unplaced).toMatchObject({ done: true });
    expect((await unplaced).why).toContain('home');
    expect(Date.now() - started).toBeLessThan(5000);
    const [after] = await federation.serviceStatus(member.name, [WEB]);
    expect(after).toMatchObject({ desiredReplicas: 0, readyReplicas: 0 });
    expect(after).not.toHaveProperty('ingress');
  });

  it('cuts a connection still open at the end of the termination grace', async () => {
    const { federation, member } = await joined({ terminationGraceSeconds: 0.2 });
    await federation.place(member.name, [QUEUE]);
    const { port } = await ingressOf(federation, member.name, QUEUE);
    const socket = await dial(port);
    const closed = readAll(socket);
    const started = Date.now();
    await federation.unplace(member.name, [QUEUE]);
    await closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('stops the member services when it leaves, and when it leaves with force', async () => {
    const { federation, member } = await joined({ terminationGraceSeconds: 10 });
    await federation.place(member.name, [WEB]);
    const { port } = await ingressOf(federation, member.name, WEB);
    const socket = await dial(port);
    const closed = readAll(socket);
    expect(await federation.leave(member.name, { force: true })).toBe('left');
    await closed;
    expect(await refused(port)).toBe(true);
    expect(await federation.leave(member.name)).toBe('left');
  });

  it('leaves nothing listening after place, unplace and leave race each other', async () => {
    const { federation, member } = await joined({ terminationGraceSeconds: 0.1 });
    await federation.place(member.name, [WEB, QUEUE]);
    const ports = await Promise.all(
      [WEB, QUEUE].map(async (s) => (await ingressOf(federation, member.name, s)).port),
    );
    await Promise.all([
      federation.unplace(member.name, [WEB]),
      federation.place(member.name, [WEB, QUEUE]),
      federation.leave(member.name),
      federation.place(member.name, [WEB]),
      federation.leave(member.name),
    ]);
    expect(await federation.serviceStatus(member.name, [WEB, QUEUE])).toEqual([
      expect.objectContaining({ desiredReplicas: 0, readyReplicas: 0 }),
      expect.objectContaining({ desiredReplicas: 0, readyReplicas: 0 }),
    ]);
    for (const port of ports) expect(await refused(port)).toBe(true);
  });

  it('stops every listener on close, and places nothing afterwards', async () => {
    const { federation, member } = await joined();
    await federation.place(member.name, [WEB, QUEUE]);
    const ports = await Promise.all(
      [WEB, QUEUE].map(async (s) => (await ingressOf(federation, member.name, s)).port),
    );
    await federation.close();
    await federation.close();
    for (const port of ports) expect(await refused(port)).toBe(true);
    await expect(federation.place(member.name, [WEB])).rejects.toThrow(/closed/);
  });
});

describe('simulated federation: labels and restarts', () => {
  it('reports the namespace and workload labels its options declare, and none for the rest', async () => {
    const { federation } = await joined({
      labels: {
        namespaces: { 'contract-web': { 'data.example.org/restricted': 'true' } },
        workloads: { 'contract-queue/StatefulSet/broker': { tier: 'gold' } },
      },
    });
    expect(await federation.labels([WEB, QUEUE])).toEqual([
      {
        service: 'web',
        namespaceLabels: { 'contract-web': { 'data.example.org/restricted': 'true' } },
        workloadLabels: { 'contract-web/Deployment/frontend': {} },
      },
      {
        service: 'queue',
        namespaceLabels: { 'contract-queue': {} },
        workloadLabels: { 'contract-queue/StatefulSet/broker': { tier: 'gold' } },
      },
    ]);
  });

  it('brings back its members and their services on the same ports from its state file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-simfed-'));
    dirs.push(dir);
    const stateFile = join(dir, 'federation.json');
    const { federation, member } = await joined({ stateFile });
    await federation.place(member.name, [WEB]);
    const { port } = await ingressOf(federation, member.name, WEB);
    await federation.close();
    expect(await refused(port)).toBe(true);

    const again = new SimulatedFederation(SimulatedFederationOptionsSchema.parse({ stateFile }));
    open.push(again);
    await again.restore();
    expect((await again.list('me')).map((m) => m.name)).toEqual([member.name]);
    const [web] = await again.serviceStatus(member.name, [WEB]);
    expect(web).toMatchObject({ readyReplicas: 1, ingress: { host: '127.0.0.1', port } });
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).json()).toEqual({
      service: 'web',
      cluster: member.name,
    });
  });
});

describe('simulated federation options', () => {
  it('are read from federation.options, and a bad one fails the configuration naming the field', () => {
    const config = loadConfig({ env: {}, value: { federation: { options: { readyAfterSeconds: 0.5 } } } });
    expect(config.federation).toMatchObject({
      driver: 'simulated',
      options: { readyAfterSeconds: 0.5, replicas: 1 },
    });
    expect(() =>
      loadConfig({ env: {}, value: { federation: { options: { readyAfterSeconds: -1 } } } }),
    ).toThrow(/federation\.options\.readyAfterSeconds/);
    expect(() =>
      loadConfig({
        env: {},
        value: { federation: { options: { labels: { workloads: { 'web/Pod/x': {} } } } } },
      }),
    ).toThrow(/federation\.options\.labels\.workloads/);
  });
});
