/** The clusters a service placement spreads over: the site's home clusters and our burst members. */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { BURST_MARKER_LABEL, OWNER_LABEL } from '../../domain/names.ts';
import { type LabelSelector, labelSelectorText } from './label-selector.ts';
import { type Custom, type CustomRef, listCustom } from './owned-object.ts';

/**
 * Names of the member objects (Karmada Clusters, KubeFedClusters) matching the home selector,
 * never one of our burst members, and of our burst members (owner and burst labels).
 */
export async function placementClusters(
  driver: string,
  custom: CustomObjectsApi,
  kind: Omit<CustomRef, 'name'>,
  home: LabelSelector,
  owner: string,
): Promise<{ home: string[]; burst: Set<string> }> {
  const names = (list: Custom[]) => list.map((c) => String((c.metadata as { name?: string })?.name));
  const ours = new Set(
    names(await listCustom(driver, custom, kind, `${OWNER_LABEL}=${owner},${BURST_MARKER_LABEL}=true`)),
  );
  const homes = names(await listCustom(driver, custom, kind, labelSelectorText(home)));
  return { home: homes.filter((n) => !ours.has(n)), burst: ours };
}
