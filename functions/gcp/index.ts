/**
 * Google Cloud Functions (gen2) entry point: every function registered with the functions
 * framework under its own name; deploy the bundle once per function with `--entry-point`.
 * - HTTP: `capacityAlarm` (Alertmanager, CloudWatch-via-HTTP and Cloud Monitoring webhooks) and
 *   `manualBurst` (the operator's API), with the webhook credentials of the configuration,
 *   which are mandatory (they serve nothing without `server.auth` credentials or `auth: none`);
 *   only with them may they be deployed `--allow-unauthenticated`;
 * - CloudEvent: `capacityAlarmPubSub` (a Cloud Monitoring Pub/Sub notification channel) and one
 *   function per lifecycle step, fed by Pub/Sub messages on the lifecycle topic (envelope in
 *   shared/runtime/gcp/cloud-event-function.ts);
 * - HTTP for Cloud Scheduler: `clusterHealth`, `scaleDown`, `reconcile` (IAM-protected).
 * @example
 * npx tsx scripts/build-gcp.ts --config site.yaml   # writes dist/gcp; refuses a site.yaml without server.auth
 * gcloud functions deploy capacityAlarm --gen2 --runtime nodejs22 --trigger-http \
 *   --entry-point capacityAlarm --allow-unauthenticated --source dist/gcp
 * gcloud functions deploy provision --gen2 --runtime nodejs22 --entry-point provision \
 *   --trigger-topic clusterburst-lifecycle --retry --source dist/gcp
 */
import * as ff from '@google-cloud/functions-framework';
import { cloudEventTrigger, lifecycleEventFunction } from '../../shared/runtime/gcp/cloud-event-function.ts';
import { answerFrameworkErrorsOurselves } from '../../shared/runtime/gcp/framework-errors.ts';
import { httpFunction } from '../../shared/runtime/gcp/http-function.ts';
import { schedulerFunction } from '../../shared/runtime/gcp/scheduler-function.ts';
import { parseInput } from '../../shared/schemas/parse.ts';
import { routes as alarmRoutes, fromPubSub, signalAnswer } from '../capacityAlarm.ts';
import { EVENT_FUNCTIONS, SCHEDULE_FUNCTIONS } from '../catalog.ts';
import { routes as manualRoutes } from '../manualBurst.ts';

// Malformed JSON reaches our functions, which answer it as the other runtimes do.
answerFrameworkErrorsOurselves();
ff.http('capacityAlarm', httpFunction(alarmRoutes));
ff.http('manualBurst', httpFunction(manualRoutes));
ff.cloudEvent(
  'capacityAlarmPubSub',
  cloudEventTrigger('capacityAlarm', async (deps, cloudEvent) => {
    // Loaded with the first event: a cold start imports no zod.
    const { PubSubCloudEventSchema } = await import('../../shared/schemas/cloud-monitoring.ts');
    const envelope = parseInput(PubSubCloudEventSchema, cloudEvent, 'Pub/Sub CloudEvent');
    return signalAnswer(await fromPubSub(deps, envelope.data)).body;
  }),
);
for (const fn of EVENT_FUNCTIONS) ff.cloudEvent(fn.name, lifecycleEventFunction(fn));
for (const fn of SCHEDULE_FUNCTIONS) ff.http(fn.name, schedulerFunction(fn));

/** The names registered above: the `--entry-point` of each deployment. */
export const GCP_FUNCTIONS: readonly string[] = [
  'capacityAlarm',
  'manualBurst',
  'capacityAlarmPubSub',
  ...EVENT_FUNCTIONS.map((fn) => fn.name),
  ...SCHEDULE_FUNCTIONS.map((fn) => fn.name),
];
