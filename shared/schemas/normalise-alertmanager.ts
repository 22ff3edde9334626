import type { CapacitySignal, PlacementHints } from '../domain/capacity-signal.ts';
import type { AlertmanagerAlert, AlertmanagerWebhook } from './alertmanager.ts';
import { demandIn } from './demand.ts';

/** Labels an alert rule may set to steer placement (`clusterburst_nodes: "3"`). */
const HINT_LABELS = {
  provider: 'clusterburst_provider',
  region: 'clusterburst_region',
  nodes: 'clusterburst_nodes',
} as const;

/** Alertmanager's "not ended yet" time; never a real end. */
const ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

/** Canonical ISO time, so equal instants written differently (offsets, nanoseconds) compare equal. */
function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The earliest startsAt of the group: stable across repeats and across the members of an HA pair. */
function earliestStart(alerts: readonly AlertmanagerAlert[]): number {
  return Math.min(...alerts.map((a) => Date.parse(a.startsAt)));
}

/** The latest real endsAt, or undefined when no alert carries one. */
function latestEnd(alerts: readonly AlertmanagerAlert[]): number | undefined {
  const ends = alerts.map((a) => Date.parse(a.endsAt)).filter((ms) => ms > ZERO_TIME_MS);
  return ends.length > 0 ? Math.max(...ends) : undefined;
}

/**
 * Placement hints from `clusterburst_provider`, `clusterburst_region` and `clusterburst_nodes`
 * labels (alert labels, CloudWatch alarm tags, Cloud Monitoring policy labels); a nodes value that
 * is not a positive integer is ignored rather than rejected, since the alarm itself is still valid.
 */
export function hintsFromLabels(labels: Readonly<Record<string, string>>): PlacementHints | undefined {
  const provider = labels[HINT_LABELS.provider]?.trim() || undefined;
  const region = labels[HINT_LABELS.region]?.trim() || undefined;
  const rawNodes = labels[HINT_LABELS.nodes]?.trim() ?? '';
  const parsed = /^\d+$/.test(rawNodes) ? Number(rawNodes) : Number.NaN;
  const nodes = Number.isSafeInteger(parsed) && parsed > 0 ? parsed : undefined;
  if (provider === undefined && region === undefined && nodes === undefined) return undefined;
  return {
    ...(provider !== undefined && { provider }),
    ...(region !== undefined && { region }),
    ...(nodes !== undefined && { nodes }),
  };
}

/**
 * The burst nodes a firing group asks for: `clusterburst_nodes` on the group (common annotation,
 * then common label), else the largest on a firing alert (a rule filling it from `{{ $value }}`
 * gives each alert its own; several instances measuring one shortfall must not add up, so a rule
 * that wants a sum aggregates in PromQL).
 */
function groupDemand(payload: AlertmanagerWebhook): number | undefined {
  const common = demandIn(payload.commonAnnotations) ?? demandIn(payload.commonLabels);
  if (common !== undefined) return common;
  const each = payload.alerts
    .filter((a) => a.status === 'firing')
    .map((a) => demandIn(a.annotations) ?? demandIn(a.labels))
    .filter((d): d is number => d !== undefined);
  return each.length ? Math.max(...each) : undefined;
}

/** One line for humans; counts are shown when the group holds several alerts or some were cut. */
function summaryOf(payload: AlertmanagerWebhook): string {
  const base =
    payload.commonAnnotations.summary ||
    payload.commonAnnotations.description ||
    payload.groupLabels.alertname ||
    `alert group ${payload.groupKey}`;
  const total = payload.alerts.length + payload.truncatedAlerts;
  if (total <= 1) return base;
  return `${base} (${total} alerts, ${payload.truncatedAlerts} truncated)`;
}

/**
 * Normalises an Alertmanager webhook notification to a `CapacitySignal`. The dedupe key is the
 * group key plus the earliest `startsAt`, so Alertmanager's repeats, its retries and both members
 * of an HA pair yield one key; a new episode of the same group starts later and gets a new key.
 * Firing and resolved notifications of one episode share the key: tell them apart by `status`.
 * @example
 * const signal = normaliseAlertmanager(parseInput(AlertmanagerWebhookSchema, body, 'Alertmanager webhook'));
 */
export function normaliseAlertmanager(payload: AlertmanagerWebhook): CapacitySignal {
  const signalKey = `alertmanager:${payload.groupKey}`;
  const started = earliestStart(payload.alerts);
  const at = payload.status === 'resolved' ? (latestEnd(payload.alerts) ?? started) : started;
  const hints = hintsFromLabels(payload.commonLabels);
  const demand = payload.status === 'firing' ? groupDemand(payload) : undefined;
  return {
    source: 'alertmanager',
    status: payload.status,
    signalKey,
    dedupeKey: `${signalKey}@${iso(started)}`,
    labels: { ...payload.commonLabels },
    summary: summaryOf(payload),
    at: iso(at),
    ...(hints !== undefined && { hints }),
    ...(demand !== undefined && { demand }),
  };
}
