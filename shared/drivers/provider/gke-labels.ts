import { BURST_ID_LABEL, OWNER_LABEL } from '../../domain/names.ts';

/** Our labels as GKE resource labels allow them, and back. */

/** GKE label keys for ours: resource labels allow only lowercase letters, digits, `_` and `-`. */
export const LABEL_KEYS: Readonly<Record<string, string>> = {
  [OWNER_LABEL]: 'clusterburst-owner',
  [BURST_ID_LABEL]: 'clusterburst-burst-id',
};

/** GKE label value: lowercase letters, digits, `_` and `-`, at most 63 characters. */
export function encodeValue(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .slice(0, 63);
}

function encodeKey(key: string): string {
  const known = LABEL_KEYS[key];
  if (known) return known;
  const clean = encodeValue(key);
  return /^[a-z]/.test(clean) ? clean : `x${clean}`.slice(0, 63);
}

/** Our labels as GKE resource labels. */
export function encodeLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [encodeKey(k), encodeValue(v)]));
}

/** GKE resource labels back as ours. */
export function decodeLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const back = Object.fromEntries(Object.entries(LABEL_KEYS).map(([ours, gke]) => [gke, ours]));
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [back[k] ?? k, v]));
}
