import type { CapacitySignal } from '../domain/capacity-signal.ts';
import type { AlarmStateValue, CloudWatchAlarmEvent } from './cloudwatch.ts';
import { type CloudWatchDemandFactor, cloudWatchDemand } from './cloudwatch-demand.ts';
import { demandIn } from './demand.ts';
import { hintsFromLabels } from './normalise-alertmanager.ts';

/** How each alarm state maps to a signal status. */
const STATUS: Readonly<Record<AlarmStateValue, CapacitySignal['status']>> = {
  ALARM: 'firing',
  OK: 'resolved',
  INSUFFICIENT_DATA: 'ignored',
};

/**
 * Normalises an EventBridge "CloudWatch Alarm State Change" event to a `CapacitySignal`. The
 * signal is the alarm ARN; the episode is the ARN plus the state-change time, so EventBridge's
 * at-least-once redeliveries share a key while every real transition gets its own.
 * INSUFFICIENT_DATA is `ignored`: missing metrics must neither burst nor count as recovery.
 * A firing alarm's demand is its overshoot times the factor configured for it
 * (`demand.cloudwatch`), else its `clusterburst_nodes` tag.
 * @example
 * const signal = normaliseCloudWatch(parseInput(CloudWatchAlarmEventSchema, event, 'CloudWatch alarm event'));
 */
export function normaliseCloudWatch(
  event: CloudWatchAlarmEvent,
  factors: readonly CloudWatchDemandFactor[] = [],
): CapacitySignal {
  const { alarmName, state } = event.detail;
  // The schema guarantees resources[0] is the alarm ARN.
  const signalKey = `cloudwatch:${event.resources[0]}`;
  const at = new Date(Date.parse(state.timestamp)).toISOString();
  const status = STATUS[state.value];
  const hints = event.detail.alarmTags ? hintsFromLabels(event.detail.alarmTags) : undefined;
  const arn = event.resources[0]!;
  const demand =
    status === 'firing'
      ? (cloudWatchDemand({ name: alarmName, arn, reasonData: state.reasonData }, factors) ??
        demandIn(event.detail.alarmTags))
      : undefined;
  return {
    source: 'cloudwatch',
    status,
    signalKey,
    dedupeKey: `${signalKey}@${at}`,
    labels: { alarmName, region: event.region, account: event.account },
    summary: state.reason ? `${alarmName}: ${state.reason}` : alarmName,
    at,
    ...(hints !== undefined && { hints }),
    ...(demand !== undefined && { demand }),
    ...(status === 'ignored' && {
      why: `CloudWatch alarm ${alarmName} is INSUFFICIENT_DATA: no action is taken on insufficient data`,
    }),
  };
}
