import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The folders of `events/`, one per inbound source plus schema-invalid payloads. */
export type EventSource = 'alertmanager' | 'cloudwatch' | 'gcp' | 'manual' | 'schedule' | 'invalid';

/** `events/` at the repository root, resolved from this file so tests may run from any cwd. */
const EVENTS_DIR = fileURLToPath(new URL('../../events/', import.meta.url));

/** Path of a sample event file, e.g. `events/alertmanager/firing.json`. */
export function eventPath(source: EventSource, name: string): string {
  return `${EVENTS_DIR}${source}/${name}.json`;
}

/**
 * Loads a sample event as parsed JSON. Typed `unknown` on purpose: tests pass it through the
 * schemas exactly as a runtime adapter would pass a request body.
 * @example
 * const body = loadEvent('alertmanager', 'firing');
 */
export function loadEvent(source: EventSource, name: string): unknown {
  return JSON.parse(readFileSync(eventPath(source, name), 'utf8')) as unknown;
}

/** Names (without `.json`) of every sample of a source, sorted, for table-driven tests. */
export function listEvents(source: EventSource): string[] {
  return readdirSync(`${EVENTS_DIR}${source}`)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}
