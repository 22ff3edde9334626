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
  const sorted = [...candidates].sort(
    (a, b) =>
      wantsRegion(a) - wantsRegion(b) ||
      a.pricePerNodeHour - b.pricePerNodeHour ||
      (a.priority ?? 0) - (b.priority ?? 0) ||
      a.name.localeCompare(b.name),
  );
  const chosen = sorted[0]!;
  const inRegion = request.region !== undefined && chosen.regions.includes(request.region);
  const region = inRegion ? request.region! : chosen.regions[0]!;
  const costPerHour = round(chosen.pricePerNodeHour * request.nodes);
  const why = [
    request.provider
      ? `provider ${chosen.name} as asked`
      : `${chosen.name} is the cheapest eligible provider at ${chosen.pricePerNodeHour}/node-hour`,
    request.region && !inRegion
      ? `region ${request.region} not offered, using ${region}`
      : `region ${region}`,
    ...reasons,
  ].join('; ');
  return { ok: true, provider: chosen.name, region, costPerHour, why };
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
