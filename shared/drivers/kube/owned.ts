import { OWNER_LABEL } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';

/**
 * Refuse to act on a federation object (a member, its token Secret) that another installation,
 * or a person, created: its owner label must name `owner`. Fatal: retrying cannot make it ours.
 * No-op without an `owner` (a driver built without an installation, as some tests do).
 */
export function refuseForeign(
  driver: string,
  what: string,
  labels: Readonly<Record<string, string>> | undefined,
  owner: string | undefined,
): void {
  if (owner === undefined || labels?.[OWNER_LABEL] === owner) return;
  const theirs = labels?.[OWNER_LABEL];
  throw new DriverError(
    driver,
    `refusing to touch ${what}: ${theirs ? `it belongs to installation ${theirs}` : 'clusterburst did not create it'}`,
  );
}

/** Whether an object's labels name `owner` (always true without an owner to compare). */
export function ownedBy(
  labels: Readonly<Record<string, string>> | undefined,
  owner: string | undefined,
): boolean {
  return owner === undefined || labels?.[OWNER_LABEL] === owner;
}
