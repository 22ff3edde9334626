import type { SignalSource } from './capacity-signal.ts';
import type { DemandPeak } from './demand-peaks.ts';
import type { Phase } from './lifecycle.ts';
import type { ServiceRoute } from './services.ts';

/** One entry of a burst's phase history: when it entered the phase, and why. */
export interface PhaseHistoryEntry {
  readonly phase: Phase;
  /** ISO-8601 time the phase was entered. */
  readonly at: string;
  /** Human-readable reason for the transition. */
  readonly why: string;
}

/** What made the burst happen. */
export interface BurstReason {
  readonly source: SignalSource;
  /** Identity of the alarm condition (Alertmanager group key, alarm ARN, policy condition, manual). */
  readonly signalKey: string;
  /** Identity of the delivery episode; equal keys are duplicates. */
  readonly dedupeKey: string;
  /** One line for humans, e.g. the alert summary. */
  readonly summary: string;
}

/** A DNS record this burst owns (the driver keeps a TXT ownership record beside it). */
export interface OwnedDnsRecordRef {
  readonly name: string;
  readonly type: string;
}

/** A gateway backend server this burst owns. */
export interface OwnedGatewayServerRef {
  readonly backend: string;
  readonly server: string;
}

/** A resize of the node pool as the record keeps it until the provider reports it settled. */
export interface RecordedResize {
  readonly state: 'resizing' | 'failed';
  /** ISO-8601 time it was asked for. */
  readonly since: string;
  /** Node count before the resize. */
  readonly from: number;
  /** The provider's words, once it said something. */
  readonly message?: string;
  /** Why the size was changed (the planner's action). */
  readonly why: string;
}

/** Timestamps and facts the teardown steps need. */
export interface TeardownState {
  /** When a teardown was asked for (`DELETE /bursts/{id}`); the drain function acts on it. */
  readonly requestedAt?: string;
  /** Why it was asked for: the drain step's history entry. */
  readonly requestedWhy?: string;
  /** When traffic stopped being sent to the cluster (Draining entered). */
  readonly drainStartedAt?: string;
  /** When the services began moving home (connections drained): bounds the wait for home. */
  readonly moveHomeStartedAt?: string;
  /** When an operator forced the teardown (`DELETE ?force=true`): it waits for no one's replicas. */
  readonly forceRequestedAt?: string;
  /** Whether the drain bound was hit and open connections were cut. */
  readonly forced?: boolean;
  /** Whether the cluster ends as Failed rather than Deleted. */
  readonly failed?: boolean;
}

/**
 * The record of one burst cluster: the store's truth, and the only state there is.
 * Events carry its id; every function loads it, checks the phase, acts, and CAS-writes it.
 */
export interface BurstCluster {
  /** Stable id, `b-` + 12 hex digits, derived from the dedupe key. */
  readonly id: string;
  /** Cluster name at the provider and in the federation, DNS-safe, derived from the id. */
  readonly name: string;
  /** The installation that owns it (tags/labels everywhere carry it). */
  readonly owner: string;
  readonly phase: Phase;
  readonly provider: string;
  readonly region: string;
  readonly nodes: number;
  readonly reason: BurstReason;
  /**
   * The cluster's Kubernetes API endpoint, once the provider reports one: control plane only
   * (join, credentials, member status). Users' traffic never goes here; see `services`.
   */
  readonly apiEndpoint?: string;
  /** The services placed on the cluster: each one's ingress, ready replicas, whether routed. */
  readonly services: readonly ServiceRoute[];
  /** Where the credentials live (provider reference); never the secret itself. */
  readonly credentialsRef?: string;
  readonly dnsRecords: readonly OwnedDnsRecordRef[];
  readonly gatewayServers: readonly OwnedGatewayServerRef[];
  /** Running cost of the cluster per hour, in the budget's currency. */
  readonly costPerHour: number;
  /** Manual bursts may carry a time to live; the cluster is drained when it expires. */
  readonly expiresAt?: string;
  /** Set when the triggering signal resolved; cleared if it fires again. */
  readonly signalResolvedAt?: string;
  /**
   * The signal it serves when that is not the one that made it (a warm cluster taken by a
   * burst, a drain cancelled for another signal); `reason` stays what created it.
   */
  readonly servesSignal?: string;
  /** The burst nodes its signal last asked for (absent: the policy's default step). */
  readonly demand?: number;
  /**
   * Higher demands its signal asked for within the scale-down window, each until it fell
   * (demand-peaks.ts): the way down follows their highest, as HPA's stabilisation does.
   */
  readonly demandPeaks?: readonly DemandPeak[];
  /** A warm standby cluster: joined and cordoned, serving nothing until a burst takes it. */
  readonly warm?: boolean;
  /** The node pool's resize that has not settled well yet (`nodes` is the size asked for). */
  readonly resize?: RecordedResize;
  readonly teardown: TeardownState;
  /** The burst this one replaced after a quota error there. */
  readonly replaces?: string;
  /** Providers that refused this signal with a quota error (placement skips them). */
  readonly excludedProviders?: readonly string[];
  readonly lastError?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Phase history, oldest first. */
  readonly history: readonly PhaseHistoryEntry[];
  /** Compare-and-swap version; bumped by the store on every write. */
  readonly version: number;
}

/**
 * A record as a store read it, written by any version: records from before services were
 * placed kept the API endpoint as `endpoint` and had no `services`.
 */
export function upgradeRecord(stored: BurstCluster): BurstCluster {
  const { endpoint, ...rest } = stored as BurstCluster & { readonly endpoint?: string };
  return {
    ...rest,
    ...(rest.apiEndpoint === undefined && endpoint !== undefined && { apiEndpoint: endpoint }),
    services: rest.services ?? [],
  };
}

/** The time the record entered its current phase. */
export function phaseEnteredAt(record: BurstCluster): string {
  return record.history.at(-1)?.at ?? record.createdAt;
}

/** The signal a record serves now: the one it was taken for, else the one that made it. */
export function servedSignal(record: BurstCluster): string {
  return record.servesSignal ?? record.reason.signalKey;
}

/** When the record first became Active, if it did. */
export function activeSince(record: BurstCluster): string | undefined {
  return record.history.find((h) => h.phase === 'Active')?.at;
}

/**
 * A copy of `record` moved to `phase`, with the history entry appended.
 * Validity of the edge is the caller's business (see `transition` in shared/core).
 */
export function withPhase(
  record: BurstCluster,
  phase: Phase,
  why: string,
  now: Date,
  patch: Partial<Omit<BurstCluster, 'phase' | 'history' | 'version'>> = {},
): BurstCluster {
  const at = now.toISOString();
  return {
    ...record,
    ...patch,
    phase,
    updatedAt: at,
    history: [...record.history, { phase, at, why }],
  };
}
