import { ValidationError } from '../../errors.ts';
import type { PubSubCloudEvent } from '../../schemas/cloud-monitoring.ts';
import { parseInput } from '../../schemas/parse.ts';

/**
 * The JSON carried by a Pub/Sub messagePublished CloudEvent (Eventarc, or a push subscription
 * converted by the functions framework): the envelope validated, `message.data` base64-decoded
 * and parsed. Any failure is a ValidationError: redelivery will not make the message valid.
 * The envelope's schema loads with the first event (no zod at a cold start).
 */
export async function pubSubJson(
  cloudEvent: unknown,
  what: string,
): Promise<{ envelope: PubSubCloudEvent; json: unknown }> {
  const { PubSubCloudEventSchema } = await import('../../schemas/cloud-monitoring.ts');
  const envelope = parseInput(PubSubCloudEventSchema, cloudEvent, `${what} (Pub/Sub CloudEvent)`);
  const text = Buffer.from(envelope.data.message.data, 'base64').toString('utf8');
  try {
    return { envelope, json: JSON.parse(text) };
  } catch (error) {
    const issue = `data.message.data: not base64-encoded JSON (${(error as Error).message})`;
    throw new ValidationError(`invalid ${what}: ${issue}`, [issue], { cause: error });
  }
}
