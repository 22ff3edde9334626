import { describe, expect, it } from 'vitest';
import {
  fromAlertmanager,
  fromCloudMonitoring,
  fromCloudWatch,
} from '../../../../functions/capacityAlarm.ts';
import { loadConfig } from '../../../../shared/config/load-config.ts';
import type { Deps } from '../../../../shared/core/deps.ts';
import type { SignalOutcome } from '../../../../shared/core/handle-signal.ts';
import { isLive } from '../../../../shared/domain/lifecycle.ts';
import { SqliteStore } from '../../../../shared/drivers/store/sqlite.ts';
import { createDeps } from '../../../../shared/runtime/create-deps.ts';
import { createLogger } from '../../../../shared/runtime/logger.ts';
import { loadEvent } from '../../../support/events.ts';
import type { Json } from '../../../support/local-runtime.ts';

// A flapping alarm: open, close, open again. Each source words the second open as a new
// episode (a new Cloud Monitoring incident, a new CloudWatch state change, a later Alertmanager
// startsAt); the burst of the first open must serve it, and must not be left marked resolved.

const clone = (value: unknown): Json => structuredClone(value) as Json;

interface Source {
  readonly name: string;
  readonly deliver: (deps: Deps, body: unknown) => Promise<SignalOutcome>;
  /** Open, close, and the re-open of the same alarm condition as a new episode. */
  readonly episodes: () => [unknown, unknown, unknown];
}

const SOURCES: readonly Source[] = [
  {
    name: 'Cloud Monitoring (a re-open is a new incident)',
    deliver: fromCloudMonitoring,
    episodes: () => {
      const open = clone(loadEvent('gcp', 'incident-open'));
      const closed = clone(loadEvent('gcp', 'incident-closed'));
      const reopened = clone(open);
      reopened.incident.incident_id = '0.pq7w2m4x9c1v';
      reopened.incident.started_at = closed.incident.ended_at + 120;
      return [open, closed, reopened];
    },
  },
  {
    name: 'CloudWatch (a re-alarm is a new state change of the same alarm ARN)',
    deliver: fromCloudWatch,
    episodes: () => {
      const alarm = clone(loadEvent('cloudwatch', 'alarm'));
      const ok = clone(loadEvent('cloudwatch', 'ok'));
      const again = clone(alarm);
      again.id = '7a1c2e3d-0000-4000-8000-000000000002';
      again.detail.state.timestamp = '2026-11-12T11:40:31.412+0000';
      again.time = '2026-11-12T11:40:31Z';
      return [alarm, ok, again];
    },
  },
  {
    name: 'Alertmanager (a re-fire is a later startsAt of the same group key)',
    deliver: fromAlertmanager,
    episodes: () => {
      const firing = clone(loadEvent('alertmanager', 'firing'));
      const resolved = clone(loadEvent('alertmanager', 'resolved'));
      const again = clone(firing);
      for (const alert of again.alerts) alert.startsAt = '2026-11-12T10:30:00.000Z';
      return [firing, resolved, again];
    },
  },
];

async function makeDeps(): Promise<Deps> {
  const config = loadConfig({ value: { logLevel: 'ERROR' } });
  return createDeps(config, {
    logger: createLogger('ERROR'),
    overrides: { store: new SqliteStore(':memory:') },
  });
}

describe('handleSignal on a flapping alarm', () => {
  it.each(SOURCES)(
    'serves every re-open of $name with the first burst, no longer marked resolved',
    async (source) => {
      const deps = await makeDeps();
      try {
        const [open, close, reopen] = source.episodes();
        const first = await source.deliver(deps, open);
        expect(first.decision).toBe('burst');
        const closed = await source.deliver(deps, close);
        expect(closed).toMatchObject({ decision: 'resolved', resolved: [first.burstId] });
        const again = await source.deliver(deps, reopen);
        expect(again).toMatchObject({ decision: 'duplicate', burstId: first.burstId });
        const live = (await deps.store.list()).filter((r) => isLive(r.phase));
        expect(live.map((r) => [r.id, r.signalResolvedAt])).toEqual([[first.burstId, undefined]]);
      } finally {
        await deps.store.close();
      }
    },
  );
});
