/**
 * What an Octavia member says about itself to clusterburst: its ownership and burst tags, the
 * weight it gets when enabled, and its gateway state. Tags, not names, carry ownership, so
 * server naming can change without losing track of members already created.
 */
import type { GatewayServerStatus } from './gateway.ts';
import type { Member } from './octavia-api.ts';

const MARK = 'clusterburst';
const OWNER_TAG = 'clusterburst-owner=';
const BURST_TAG = 'clusterburst-burst=';
const WEIGHT_TAG = 'clusterburst-weight=';

/** Tag values may not hold a comma (the `tags` filter separator); Octavia tags are at most 255 long. */
export const TAG_VALUE = /^[A-Za-z0-9_.:-]{1,200}$/;

/** The tag every member of this installation carries. */
export function ownerTag(owner: string): string {
  return `${OWNER_TAG}${owner}`;
}

/** The tag of one burst's members. */
export function burstTag(burstId: string): string {
  return `${BURST_TAG}${burstId}`;
}

/** Tags of a new member: ours, owner, burst, and the weight to give it when enabled. */
export function memberTags(owner: string, burstId: string, weight: number): string[] {
  return [MARK, ownerTag(owner), burstTag(burstId), `${WEIGHT_TAG}${weight}`];
}

/** Whether the member carries the installation's owner tag (whatever its name). */
export function isOwnedBy(m: Member, owner: string): boolean {
  return (m.tags ?? []).includes(ownerTag(owner));
}

/** The burst id in the member's tags ('' when absent). */
export function burstIdOf(m: Member): string {
  return tagValue(m, BURST_TAG) ?? '';
}

/** The weight the member gets when enabled (its tag; 1 when absent). */
export function enabledWeight(m: Member): number {
  const tagged = Number(tagValue(m, WEIGHT_TAG));
  return Number.isInteger(tagged) && tagged >= 0 && tagged <= 256 ? tagged : 1;
}

/** What the member does now: weight 0 is the drain, admin down the not-yet-enabled state. */
export function stateOf(m: Member): GatewayServerStatus['state'] {
  if (m.provisioning_status === 'ERROR') return 'maint';
  if (m.weight === 0) return 'drain';
  return m.admin_state_up ? 'ready' : 'disabled';
}

function tagValue(m: Member, prefix: string): string | undefined {
  return m.tags?.find((t) => t.startsWith(prefix))?.slice(prefix.length);
}
