/**
 * capacityAlarm: every capacity alarm source -> one CapacitySignal -> decide -> maybe a burst.
 * Alertmanager (webhook), CloudWatch (EventBridge event, or posted to HTTP), Cloud Monitoring
 * (webhook, or Pub/Sub CloudEvent). Answers 202 with the decision and its why.
 */
import type { Deps } from '../shared/core/deps.ts';
import { handleSignal, type SignalOutcome } from '../shared/core/handle-signal.ts';
import type { CapacitySignal } from '../shared/domain/capacity-signal.ts';
import type { HttpAnswer, HttpRoute } from '../shared/runtime/http/route.ts';

/** The schemas and normalisations, loaded with the first request: a cold start imports no zod. */
const inputs = () => import('../shared/schemas/signal-inputs.ts');

/** The signal an Alertmanager webhook (v4) stands for; ValidationError if it is not one. */
async function alertmanagerSignal(_deps: Deps, body: unknown): Promise<CapacitySignal> {
  return (await inputs()).alertmanagerSignal(body);
}

/** The signal a CloudWatch "Alarm State Change" event stands for, with its configured demand. */
async function cloudWatchSignal(deps: Deps, event: unknown): Promise<CapacitySignal> {
  return (await inputs()).cloudWatchSignal(event, deps.config.demand.cloudwatch);
}

/** Alertmanager webhook (v4). */
export async function fromAlertmanager(deps: Deps, body: unknown): Promise<SignalOutcome> {
  return handleSignal(deps, await alertmanagerSignal(deps, body));
}

/** CloudWatch "Alarm State Change" event, as EventBridge delivers it. */
export async function fromCloudWatch(deps: Deps, event: unknown): Promise<SignalOutcome> {
  return handleSignal(deps, await cloudWatchSignal(deps, event));
}

/** Cloud Monitoring incident, webhook form. */
export async function fromCloudMonitoring(deps: Deps, body: unknown): Promise<SignalOutcome> {
  return handleSignal(deps, (await inputs()).cloudMonitoringSignal(body, deps.now()));
}

/** Cloud Monitoring incident, Pub/Sub CloudEvent form (`data.message.data` base64). */
export async function fromPubSub(deps: Deps, cloudEventData: unknown): Promise<SignalOutcome> {
  return handleSignal(deps, (await inputs()).pubSubSignal(cloudEventData, deps.now()));
}

/** The HTTP answer for a signal outcome: always 202, the decision says what happened. */
export function signalAnswer(outcome: SignalOutcome): HttpAnswer {
  const { record, ...rest } = outcome;
  return { status: 202, body: { ...rest, ...(record && { phase: record.phase }) } };
}

/**
 * HTTP routes of capacityAlarm. Cloud Monitoring's is parsed on each request: its normalisation
 * reads the clock (an open incident's time), so the same bytes are not always the same signal.
 */
export const routes: readonly HttpRoute[] = [
  {
    method: 'POST',
    path: '/alerts/alertmanager',
    auth: true,
    // Pure in the body: an HA pair's second copy and every repeat skip the parse (BodyMemo).
    parseBody: alertmanagerSignal,
    handle: async (deps, req) => signalAnswer(await handleSignal(deps, req.body as CapacitySignal)),
  },
  {
    method: 'POST',
    path: '/alerts/cloudwatch',
    auth: true,
    parseBody: cloudWatchSignal,
    handle: async (deps, req) => signalAnswer(await handleSignal(deps, req.body as CapacitySignal)),
  },
  {
    method: 'POST',
    path: '/alerts/gcp',
    auth: true,
    handle: async (deps, req) => signalAnswer(await fromCloudMonitoring(deps, req.body)),
  },
];
