import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type BurstCluster, upgradeRecord } from '../../domain/burst-cluster.ts';
import { isLive, PHASES } from '../../domain/lifecycle.ts';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../domain/names.ts';
import { ClusterburstError } from '../../errors.ts';
import { type LifecycleEvent, LifecycleEventSchema } from '../../schemas/lifecycle-event.ts';
import { parseInput } from '../../schemas/parse.ts';

/** Group, version and plural of the BurstCluster custom resource. */
export const BURST_CLUSTER_RESOURCE = {
  group: 'clusterburst.io',
  version: 'v1alpha1',
  plural: 'burstclusters',
} as const;

/**
 * Label with a hash of the record's signal key (label values are at most 63 characters of a
 * restricted set; signal keys are free text), so "records of this signal" is a label selector.
 */
export const SIGNAL_KEY_LABEL = 'clusterburst.io/signal-key';
/**
 * Label set once a record has ended and its outbox is empty: nothing will change it again. The
 * records without it (live ones, and ended ones with events still to deliver) are what health
 * passes, admission and the outbox relay read, so their cost follows what is live.
 */
export const SETTLED_LABEL = 'clusterburst.io/settled';

/** The value of SIGNAL_KEY_LABEL for `signalKey`. */
export function signalKeyLabel(signalKey: string): string {
  return `sk-${createHash('sha256').update(signalKey).digest('hex').slice(0, 40)}`;
}

/** An outbox entry as kept in `status.outbox`. */
export interface StoredOutboxEntry {
  readonly event: LifecycleEvent;
  readonly attempts: number;
  /** When it was enqueued (ISO, ms precision): orders the outbox across records. */
  readonly enqueuedAt: string;
}

/** Fields fixed at admission: they live in the immutable spec. */
const IDENTITY = ['id', 'name', 'owner', 'reason', 'createdAt'] as const;

/** The mutable part of a record, as kept in status (and in spec.initial at admission). */
type LiveRecord = Omit<BurstCluster, (typeof IDENTITY)[number]>;

const ReasonSchema = z.object({
  source: z.enum(['alertmanager', 'cloudwatch', 'gcp', 'manual', 'schedule']),
  signalKey: z.string(),
  dedupeKey: z.string(),
  summary: z.string(),
});

const LiveSchema = z.looseObject({
  phase: z.enum(PHASES),
  provider: z.string(),
  region: z.string(),
  nodes: z.number().int().nonnegative(),
  costPerHour: z.number(),
  dnsRecords: z.array(z.object({ name: z.string(), type: z.string() })),
  gatewayServers: z.array(z.object({ backend: z.string(), server: z.string() })),
  teardown: z.looseObject({}),
  updatedAt: z.string(),
  history: z.array(z.object({ phase: z.enum(PHASES), at: z.string(), why: z.string() })),
  version: z.number().int().positive(),
});

const OutboxEntrySchema = z.object({
  event: LifecycleEventSchema,
  attempts: z.number().int().nonnegative(),
  enqueuedAt: z.string(),
});

/** The shape of a BurstCluster object as read back from the API server. */
const BurstClusterObjectSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    resourceVersion: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({
    burstId: z.string().regex(/^b-[0-9a-f]{12}$/),
    clusterName: z.string(),
    owner: z.string(),
    reason: ReasonSchema,
    createdAt: z.string(),
    initial: LiveSchema,
    initialOutbox: z.array(OutboxEntrySchema).optional(),
  }),
  status: z.looseObject({ ...LiveSchema.shape, outbox: z.array(OutboxEntrySchema).optional() }).optional(),
});

/** A record as stored: the record, its outbox and the resourceVersion it was read at. */
export interface StoredBurst {
  readonly record: BurstCluster;
  readonly outbox: readonly StoredOutboxEntry[];
  readonly resourceVersion: string;
  /** The object's labels as read. */
  readonly labels: Readonly<Record<string, string>>;
}

function live(record: BurstCluster): LiveRecord {
  const { id: _i, name: _n, owner: _o, reason: _r, createdAt: _c, ...rest } = record;
  return rest;
}

/** The status written for `record` with its outbox. */
export function statusOf(
  record: BurstCluster,
  outbox: readonly StoredOutboxEntry[],
): Record<string, unknown> {
  return { ...live(record), outbox: [...outbox] };
}

/** The object created for an admitted record (spec only: the API server drops status on create). */
export function objectFor(
  record: BurstCluster,
  outbox: readonly StoredOutboxEntry[],
  namespace: string,
): Record<string, unknown> {
  return {
    apiVersion: `${BURST_CLUSTER_RESOURCE.group}/${BURST_CLUSTER_RESOURCE.version}`,
    kind: 'BurstCluster',
    metadata: {
      name: record.id,
      namespace,
      labels: {
        [OWNER_LABEL]: record.owner,
        [BURST_ID_LABEL]: record.id,
        [SIGNAL_KEY_LABEL]: signalKeyLabel(record.reason.signalKey),
      },
    },
    spec: {
      burstId: record.id,
      clusterName: record.name,
      owner: record.owner,
      reason: record.reason,
      createdAt: record.createdAt,
      initial: live(record),
      initialOutbox: [...outbox],
    },
  };
}

/**
 * Reads a BurstCluster object back into a record. Until the first status write, the record is
 * the admitted snapshot in `spec.initial`; that is what makes admission a single create.
 */
export function fromObject(object: unknown): StoredBurst {
  const o = parseInput(BurstClusterObjectSchema, object, 'BurstCluster object');
  const { spec } = o;
  const state = o.status?.version !== undefined ? o.status : spec.initial;
  const outbox = o.status?.version !== undefined ? (o.status.outbox ?? []) : (spec.initialOutbox ?? []);
  const { outbox: _drop, ...rest } = state as typeof state & { outbox?: unknown };
  const record = upgradeRecord({
    ...(rest as unknown as LiveRecord),
    id: spec.burstId,
    name: spec.clusterName,
    owner: spec.owner,
    reason: spec.reason,
    createdAt: spec.createdAt,
  } as BurstCluster);
  return {
    record,
    outbox: outbox as StoredOutboxEntry[],
    resourceVersion: o.metadata.resourceVersion,
    labels: o.metadata.labels ?? {},
  };
}

/** Throws when an update tries to change a fact fixed at admission (kept in the immutable spec). */
export function assertSameIdentity(stored: BurstCluster, next: BurstCluster): void {
  for (const key of IDENTITY) {
    if (JSON.stringify(stored[key]) !== JSON.stringify(next[key])) {
      throw new ClusterburstError(`burst ${stored.id}: ${key} is fixed at admission and cannot change`);
    }
  }
}

/** Appends events not already in the outbox (an event id is enqueued once). */
export function enqueue(
  outbox: readonly StoredOutboxEntry[],
  events: readonly LifecycleEvent[],
  now: Date,
): StoredOutboxEntry[] {
  const out = [...outbox];
  const at = now.toISOString();
  for (const event of events) {
    if (!out.some((e) => e.event.id === event.id)) out.push({ event, attempts: 0, enqueuedAt: at });
  }
  return out;
}

/**
 * The labels `stored` should carry and does not: settled once ended with an empty outbox, and
 * its signal-key hash (objects from before the label existed); undefined when none is missing.
 */
export function labelsToHeal(stored: StoredBurst): Record<string, string> | undefined {
  const want: Record<string, string> = {};
  const { record } = stored;
  if (!isLive(record.phase) && stored.outbox.length === 0 && !stored.labels[SETTLED_LABEL]) {
    want[SETTLED_LABEL] = 'true';
  }
  const sk = signalKeyLabel(record.reason.signalKey);
  if (stored.labels[SIGNAL_KEY_LABEL] !== sk) want[SIGNAL_KEY_LABEL] = sk;
  return Object.keys(want).length ? want : undefined;
}
