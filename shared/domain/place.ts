/** A provider the installation may burst to, as configured. */
export interface ProviderOffer {
  /** Name of the configured provider (also the driver instance name). */
  readonly name: string;
  readonly regions: readonly string[];
  /** Price per node-hour, in the budget's currency. */
  readonly pricePerNodeHour: number;
  /** Most live clusters this provider may hold (quota). */
  readonly maxClusters: number;
  /** Lower is preferred when prices are equal. @default 0 */
  readonly priority?: number;
  /** Provisioning longer than this fails the burst; the policy's deadline when unset. */
  readonly provisioningDeadlineSeconds?: number;
  /** Fewest nodes the burst's node pool may have (0 where the provider allows an empty pool). @default 1 */
  readonly minNodes?: number;
  /** Price per GB of data leaving the provider, in the budget's currency. @default 0 */
  readonly egressPricePerGB?: number;
}

/**
 * What the services a burst carries move and where their data lives (seed: "minimising data
 * storage and transfer costs"): the expected egress per node-hour is priced at each provider's
 * egress price and added to its node price; a provider (or region) holding the data is preferred.
 */
export interface DataTransfer {
  /** Expected GB leaving the burst cluster per node-hour. */
  readonly egressGBPerNodeHour: number;
  /** Where the services' data lives: placing there moves none of it. */
  readonly locality?: { readonly provider?: string; readonly region?: string };
}

/** What a placement is asked for. */
export interface PlacementRequest {
  readonly nodes: number;
  /** Asked-for provider; only it is considered. */
  readonly provider?: string;
  /** Preferred region (data locality); providers offering it win over cheaper ones that do not. */
  readonly region?: string;
  /** Live clusters per provider, for quota. */
  readonly liveByProvider: Readonly<Record<string, number>>;
  /** Providers that just answered with a quota or capacity error. */
  readonly exclude?: readonly string[];
  /** Data transfer of the services: its cost joins the node price, its locality is preferred. */
  readonly transfer?: DataTransfer;
}

/** The outcome of `place`. */
export type Placement =
  | {
      readonly ok: true;
      readonly provider: string;
      readonly region: string;
      readonly costPerHour: number;
      readonly why: string;
    }
  | { readonly ok: false; readonly why: string };

/**
 * Choose provider and region: the asked-for provider if any; else, among providers with quota
 * left and not excluded, those offering the preferred region first, then the cheapest, then by
 * priority, then by name (so the choice is deterministic).
 */
export function place(offers: readonly ProviderOffer[], request: PlacementRequest): Placement {
  const reasons: string[] = [];
  const candidates = offers.filter((offer) => {
    if (request.provider && offer.name !== request.provider) return false;
    if (request.exclude?.includes(offer.name)) {
      reasons.push(`${offer.name} excluded after a quota error`);
      return false;
    }
    const live = request.liveByProvider[offer.name] ?? 0;
    if (live >= offer.maxClusters) {
      reasons.push(`${offer.name} at its quota of ${offer.maxClusters} clusters`);
      return false;
    }
    if (offer.regions.length === 0) {
      reasons.push(`${offer.name} offers no region`);
      return false;
    }
    return true;
  });
  if (request.provider && !offers.some((o) => o.name === request.provider)) {
    return { ok: false, why: `provider "${request.provider}" is not configured` };
  }
  if (candidates.length === 0) {
    return {
      ok: false,
      why: `no provider can take the cluster (${reasons.join('; ') || 'none configured'})`,
    };
  }
  const wantsRegion = (o: ProviderOffer) => (request.region && o.regions.includes(request.region) ? 0 : 1);
  const local = request.transfer?.locality;
  const holdsData = (o: ProviderOffer) => holdsDataOf(request.transfer, o);
  const transferPrice = (o: ProviderOffer) => transferPerNodeHour(o, request.transfer);
  const price = (o: ProviderOffer) => o.pricePerNodeHour + transferPrice(o);
  const sorted = [...candidates].sort(
    (a, b) =>
      wantsRegion(a) - wantsRegion(b) ||
      (holdsData(a) ? 0 : 1) - (holdsData(b) ? 0 : 1) ||
      price(a) - price(b) ||
      (a.priority ?? 0) - (b.priority ?? 0) ||
      a.name.localeCompare(b.name),
  );
  const chosen = sorted[0]!;
  const inRegion = request.region !== undefined && chosen.regions.includes(request.region);
  const dataRegion = holdsData(chosen) ? local?.region : undefined;
  const region = inRegion
    ? request.region!
    : dataRegion && chosen.regions.includes(dataRegion)
      ? dataRegion
      : chosen.regions[0]!;
  const costPerHour = round(price(chosen) * request.nodes);
  const priced = request.transfer
    ? `${round(price(chosen))}/node-hour (nodes ${chosen.pricePerNodeHour} + data transfer ${round(transferPrice(chosen))}${holdsData(chosen) ? ': the data lives there' : ''})`
    : `${chosen.pricePerNodeHour}/node-hour`;
  const why = [
    request.provider
      ? `provider ${chosen.name} as asked`
      : holdsData(chosen) && request.transfer
        ? `${chosen.name} is where the services' data lives, at ${priced}`
        : `${chosen.name} is the cheapest eligible provider at ${priced}`,
    request.region && !inRegion
      ? `region ${request.region} not offered, using ${region}`
      : `region ${region}`,
    ...reasons,
  ].join('; ');
  return { ok: true, provider: chosen.name, region, costPerHour, why };
}

/**
 * What one node-hour at `offer` costs with the services' data transfer: its node price plus the
 * expected egress at its egress price, none where the data lives. `region` is the cluster's, once
 * placed (before, any region of the offer that holds the data counts, as placement then picks it).
 * Growing a cluster is priced with it, so the budget counts what placement counted.
 * @example
 * nodeHourPrice({ ...offer, pricePerNodeHour: 1, egressPricePerGB: 0.09 }, { egressGBPerNodeHour: 5 }) // 1.45
 */
export function nodeHourPrice(offer: ProviderOffer, transfer?: DataTransfer, region?: string): number {
  return round(offer.pricePerNodeHour + transferPerNodeHour(offer, transfer, region));
}

/** Data placed where it lives moves nothing; elsewhere each node-hour carries its egress. */
function transferPerNodeHour(offer: ProviderOffer, transfer?: DataTransfer, region?: string): number {
  if (!transfer || holdsDataOf(transfer, offer, region)) return 0;
  return transfer.egressGBPerNodeHour * (offer.egressPricePerGB ?? 0);
}

/** Whether a cluster at `offer` (in `region`, else any of its regions) sits where the data lives. */
function holdsDataOf(transfer: DataTransfer | undefined, offer: ProviderOffer, region?: string): boolean {
  const local = transfer?.locality;
  if (local === undefined) return false;
  if (local.provider !== undefined && local.provider !== offer.name) return false;
  if (local.region === undefined) return true;
  return region === undefined ? offer.regions.includes(local.region) : region === local.region;
}

/**
 * What is wrong with an explicitly asked-for provider or region: one that no configuration offers
 * can never be placed, whatever the load or the budget, so the asker must hear it (a client error
 * naming what is configured) rather than a refusal by policy. Empty when both are satisfiable.
 * @example
 * unplaceable(offers, { provider: 'aws', region: 'mars-1' })
 * // ['region: "mars-1" is not offered by provider aws (its regions: eu-west-1)']
 */
export function unplaceable(
  offers: readonly ProviderOffer[],
  asked: { readonly provider?: string; readonly region?: string },
): string[] {
  const list = (names: readonly string[]) => [...new Set(names)].sort().join(', ') || 'none';
  if (asked.provider !== undefined) {
    const offer = offers.find((o) => o.name === asked.provider);
    if (!offer) {
      const configured = list(offers.map((o) => o.name));
      return [`provider: "${asked.provider}" is not configured (configured providers: ${configured})`];
    }
    if (asked.region !== undefined && !offer.regions.includes(asked.region)) {
      return [
        `region: "${asked.region}" is not offered by provider ${offer.name} (its regions: ${list(offer.regions)})`,
      ];
    }
    return [];
  }
  if (asked.region !== undefined && !offers.some((o) => o.regions.includes(asked.region!))) {
    const configured = list(offers.flatMap((o) => o.regions));
    return [
      `region: "${asked.region}" is not offered by any configured provider (configured regions: ${configured})`,
    ];
  }
  return [];
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
