import { ValidationError } from '../../errors.ts';
import { PubSubCloudEventSchema } from '../../schemas/cloud-monitoring.ts';
import { parseInput } from '../../schemas/parse.ts';
import type * as z from '../../schemas/zod-mini.ts';

/** A validated Pub/Sub messagePublished CloudEvent. */
export type PubSubCloudEvent = z.output<typeof PubSubCloudEventSchema>;

/**
 * The JSON carried by a Pub/Sub messagePublished CloudEvent (Eventarc, or a push subscription
 * converted by the functions framework): the envelope validated, `message.data` base64-decoded
 * and parsed. Any failure is a ValidationError: redelivery will not make the message valid.
 */
export function pubSubJson(cloudEvent: unknown, what: string): { envelope: PubSubCloudEvent; json: unknown } {
  const envelope = parseInput(PubSubCloudEventSchema, cloudEvent, `${what} (Pub/Sub CloudEvent)`);
  const text = Buffer.from(envelope.data.message.data, 'base64').toString('utf8');
  try {
    return { envelope, json: JSON.parse(text) };
  } catch (error) {
    const issue = `data.message.data: not base64-encoded JSON (${(error as Error).message})`;
    throw new ValidationError(`invalid ${what}: ${issue}`, [issue], { cause: error });
  }
}
