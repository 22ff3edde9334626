import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertmanagerServer, startAlertmanagerPair } from '../support/alertmanager.ts';
import { type Json, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { type PrometheusServer, startPrometheus, waitFor } from '../support/prometheus.ts';
import {
  startUtilisationExporter,
  UTILISATION_METRIC,
  type UtilisationExporter,
} from '../support/utilisation-exporter.ts';

// An HA pair of real Alertmanagers, both notified by Prometheus. A recording proxy in front of
// the webhook answers 503 until both members have tried to deliver: the first member retries
// (Alertmanager's own backoff), the second does not find the first's notification in the gossiped
// log and sends as well. Every delivery then reaches clusterburst, which must burst once.
const TOKEN = randomBytes(24).toString('hex');

/** One delivery attempt seen by the proxy. */
interface Attempt {
  readonly from: string;
  readonly status: string;
  readonly answered: number;
  readonly decision?: string;
}

let exporter: UtilisationExporter | undefined;
let prometheus: PrometheusServer | undefined;
let pair: AlertmanagerServer[] = [];
let runtime: TestRuntime | undefined;
let proxy: Server | undefined;
const attempts: Attempt[] = [];

/** The proxy: records each attempt and refuses all until both members of the pair have tried. */
async function startProxy(target: string): Promise<string> {
  const senders = new Set<string>();
  proxy = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const payload = JSON.parse(body) as { externalURL: string; status: string };
    senders.add(payload.externalURL);
    if (senders.size < 2) {
      attempts.push({ from: payload.externalURL, status: payload.status, answered: 503 });
      res.writeHead(503).end();
      return;
    }
    const answer = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
      body,
    });
    const text = await answer.text();
    const decision = answer.ok ? (JSON.parse(text) as { decision: string }).decision : undefined;
    attempts.push({ from: payload.externalURL, status: payload.status, answered: answer.status, decision });
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/alerts/alertmanager`;
}

beforeAll(async () => {
  runtime = await startTestRuntime({ server: { port: 0, auth: { bearerToken: TOKEN } } });
  const webhookUrl = await startProxy(`${runtime.url}/alerts/alertmanager`);
  pair = await startAlertmanagerPair({ webhookUrl, bearerToken: TOKEN, peerTimeout: '1s' });
  exporter = await startUtilisationExporter({ initial: 0.95 });
  prometheus = await startPrometheus({
    targets: [exporter.target],
    alertmanagers: pair.map((am) => am.target),
    ruleGroups: [
      {
        name: 'clusterburst',
        rules: [
          {
            alert: 'ClusterburstCapacityHigh',
            expr: `max(${UTILISATION_METRIC}) > 0.8`,
            for: '1s',
            annotations: { summary: 'home cluster utilisation above 80%' },
          },
        ],
      },
    ],
  });
}, 120_000);

afterAll(async () => {
  await prometheus?.remove();
  await Promise.all(pair.map((am) => am.stop()));
  proxy?.closeAllConnections();
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
  await runtime?.close();
  await exporter?.stop();
}, 60_000);

describe('an Alertmanager HA pair', () => {
  it('yields one burst although both members notify and the first retries', async () => {
    const delivered = (am: AlertmanagerServer) =>
      attempts.some((a) => a.from === am.externalUrl && a.status === 'firing' && a.answered === 202);
    await waitFor(() => pair.every(delivered), {
      timeoutMs: 90_000,
      what: 'both Alertmanagers to deliver the firing notification',
    }).catch((error: Error) => {
      throw new Error(`${error.message}; attempts seen: ${JSON.stringify(attempts)}`);
    });

    const refused = attempts.filter((a) => a.answered === 503);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    // The member that was refused delivered later: Alertmanager's retry, not a new notification.
    expect(attempts.some((a) => a.from === refused[0]!.from && a.answered === 202)).toBe(true);

    const decisions = attempts.filter((a) => a.answered === 202).map((a) => a.decision);
    expect(decisions.filter((d) => d === 'burst')).toHaveLength(1);
    expect(decisions.filter((d) => d !== 'burst').every((d) => d === 'duplicate')).toBe(true);
    expect(decisions.length).toBeGreaterThanOrEqual(2);

    const { body } = await runtime!.request('GET', '/bursts', undefined, {
      authorization: `Bearer ${TOKEN}`,
    });
    const bursts: Json[] = body.bursts;
    expect(bursts).toHaveLength(1);
    expect(bursts[0]).toMatchObject({ source: 'alertmanager', reason: 'home cluster utilisation above 80%' });
  }, 120_000);
});
