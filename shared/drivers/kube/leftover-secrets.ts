import type { CoreV1Api } from '@kubernetes/client-node';
import { OWNER_LABEL } from '../../domain/names.ts';
import type { MemberStatus } from '../federation/federation.ts';

import { driverError, isKubeFailure } from './errors.ts';

/** Where a federation driver keeps its members' token Secrets, and how to tell whose they are. */
export interface LeftoverSecretsQuery {
  readonly namespace: string;
  readonly owner: string;
  /** The member a Secret of ours belongs to, from the Secret's name. */
  readonly memberOf: (secretName: string) => string;
  /** Members whose federation object still exists: their Secrets are not leftovers. */
  readonly members: ReadonlySet<string>;
}

/**
 * Members of which only token Secrets remain (labelled with our owner, no member object): a
 * leave that ended while the object was still being deleted, or a join that crashed before
 * creating it. Listed as members, so reconcile finishes their leave once no live record owns
 * them. Only Secrets carrying our owner label are listed, so no one else's is ever touched.
 * Secret contents are not kept.
 */
export async function leftoverSecretMembers(
  driver: string,
  core: CoreV1Api,
  query: LeftoverSecretsQuery,
): Promise<MemberStatus[]> {
  const { namespace, owner } = query;
  let items: { metadata?: { name?: string; labels?: Record<string, string> } }[];
  try {
    items = (await core.listNamespacedSecret({ namespace, labelSelector: `${OWNER_LABEL}=${owner}` })).items;
  } catch (error) {
    // No namespace yet: nothing was ever joined here.
    if (isKubeFailure(error, 404)) return [];
    throw driverError(driver, `listing Secrets in ${namespace}`, error);
  }
  const leftovers = new Map<string, MemberStatus>();
  for (const { metadata } of items) {
    const labels = metadata?.labels ?? {};
    if (!metadata?.name || labels[OWNER_LABEL] !== owner) continue;
    const name = query.memberOf(metadata.name);
    if (query.members.has(name) || leftovers.has(name)) continue;
    leftovers.set(name, {
      name,
      ready: false,
      cordoned: false,
      evicted: false,
      labels,
      message: `left the federation; its token Secret ${namespace}/${metadata.name} remains`,
    });
  }
  return [...leftovers.values()];
}
