import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';

/** A registered Cloud Function served on a loopback port by the framework's test server. */
export interface ServedFunction {
  readonly url: string;
  close(): Promise<void>;
}

/** Serve a function registered with `ff.http`/`ff.cloudEvent` on 127.0.0.1 (ephemeral port). */
export async function serveFunction(name: string): Promise<ServedFunction> {
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A Pub/Sub messagePublished CloudEvent (structured form) carrying `payload` as base64 JSON. */
export function pubSubCloudEvent(
  payload: unknown,
  attributes: Readonly<Record<string, string>> = {},
): Record<string, unknown> {
  const id = String(Math.floor(Math.random() * 1e16));
  return {
    specversion: '1.0',
    id,
    source: '//pubsub.googleapis.com/projects/incd-web-prod/topics/clusterburst-lifecycle',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    datacontenttype: 'application/json',
    time: '2026-11-12T09:20:31.000Z',
    data: {
      message: {
        data: Buffer.from(JSON.stringify(payload)).toString('base64'),
        messageId: id,
        publishTime: '2026-11-12T09:20:31.000Z',
        attributes,
      },
      subscription: 'projects/incd-web-prod/subscriptions/eventarc-europe-west4-trigger-sub-000',
    },
  };
}

/** POST a CloudEvent in structured mode (`application/cloudevents+json`). */
export function postStructured(url: string, cloudEvent: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify(cloudEvent),
  });
}

/** POST a CloudEvent in binary mode: attributes as `ce-*` headers, `data` as the JSON body. */
export function postBinary(url: string, cloudEvent: Record<string, unknown>): Promise<Response> {
  const { data, ...attributes } = cloudEvent;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [key, value] of Object.entries(attributes)) {
    if (key !== 'datacontenttype') headers[`ce-${key}`] = String(value);
  }
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(data) });
}
