import { z } from 'zod';

/** A Kubernetes status condition, as far as the drivers read it. */
export const ConditionSchema = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** `status.conditions`, empty when the controller has not written any yet. */
export const ConditionsSchema = z.array(ConditionSchema).default([]);
