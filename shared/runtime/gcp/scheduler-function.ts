import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { configuredTimeoutMs } from '../deadline.ts';
import type { ScheduleFunction } from '../event-function.ts';
import { errorAnswer } from '../http/http-errors.ts';
import { runTrigger } from '../run-trigger.ts';
import { send } from './http-function.ts';

/**
 * A Cloud Functions HTTP function for a Cloud Scheduler job (HTTP target, POST, any body).
 * Who may call it is decided by Cloud Functions IAM (the job's OIDC token occupies the
 * Authorization header, so the webhook credentials cannot be checked here): deploy without
 * `--allow-unauthenticated`. Answers 200 with the pass's report; a retryable failure answers
 * 503 so the job's retry configuration applies, a final one is logged and answered 200.
 * @example
 * ff.http('reconcile', schedulerFunction(reconcile));
 */
export function schedulerFunction(fn: ScheduleFunction): HttpFunction {
  return async function runSchedule(req: Request, res: Response) {
    if (req.method.toUpperCase() !== 'POST') {
      send(res, { status: 405, body: { error: `method ${req.method} not allowed: Cloud Scheduler POSTs` } });
      return;
    }
    try {
      send(res, {
        status: 200,
        body: { task: fn.task, result: await runTrigger(fn.name, fn.run, await configuredTimeoutMs()) },
      });
    } catch (error) {
      // runTrigger logged it already.
      send(res, errorAnswer(error));
    }
  };
}
