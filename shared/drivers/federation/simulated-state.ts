import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const MemberStateSchema = z.object({
  name: z.string().min(1),
  endpoint: z.string().min(1),
  ready: z.boolean(),
  cordoned: z.boolean(),
  evicted: z.boolean(),
  labels: z.record(z.string(), z.string()),
  message: z.string().optional(),
});

const PlacementStateSchema = z.object({
  member: z.string().min(1),
  service: z.object({
    name: z.string().min(1),
    protocol: z.enum(['http', 'tcp']),
    health: z.discriminatedUnion('type', [
      z.object({ type: z.literal('http'), path: z.string().startsWith('/'), expectStatus: z.number().int() }),
      z.object({ type: z.literal('tcp') }),
    ]),
  }),
  /** Epoch ms from which the replicas are ready. */
  readyAt: z.number(),
  port: z.number().int().min(0).max(65535),
});

/** What the simulated federation keeps across restarts. */
export const FederationStateSchema = z.object({
  members: z.array(MemberStateSchema),
  placements: z.array(PlacementStateSchema),
});

/** The simulated federation's members and placements, as saved. */
export type FederationState = z.infer<typeof FederationStateSchema>;
/** One service placed on one member, as saved. */
export type PlacementState = z.infer<typeof PlacementStateSchema>;

/** The saved state, or undefined when there is none or it does not parse (a fresh federation). */
export function loadFederationState(file: string): FederationState | undefined {
  try {
    const parsed = FederationStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Save atomically (write, then rename), so a crash leaves the old state or the new one. */
export function saveFederationState(file: string, state: FederationState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, file);
}
