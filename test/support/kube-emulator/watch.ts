/**
 * `?watch=true` on a collection: a chunked stream of `{"type","object"}` lines. Without a
 * resourceVersion (or with "0") the current objects come first as ADDED, like a real server;
 * with one, only later changes are sent (the emulator keeps no history, so it cannot answer
 * 410 Gone for too-old versions). The stream ends after `timeoutSeconds` or when the client
 * goes away.
 */
import type { ServerResponse } from 'node:http';
import type { ResourceTarget } from './resources.ts';
import { present } from './resources.ts';
import { checkFieldSelector, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { KubeObject, ObjectStore } from './storage.ts';

/** Starts streaming changes of `t`'s collection to `res`. */
export function serveWatch(
  store: ObjectStore,
  t: ResourceTarget,
  query: URLSearchParams,
  res: ServerResponse,
): void {
  checkFieldSelector(query.get('fieldSelector'), t.type.plural);
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'), t.type.plural);
  const wanted = (o: KubeObject) =>
    (t.namespace === undefined || o.metadata.namespace === t.namespace) && labels(o) && fields(o);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  const send = (type: string, o: KubeObject) =>
    res.write(`${JSON.stringify({ type, object: present(t.type, t.version, o) })}\n`);
  const rv = query.get('resourceVersion');
  if (!rv || rv === '0') {
    const initial = store.list(t.type, t.namespace !== undefined ? { namespace: t.namespace } : {}).items;
    for (const o of initial.filter(wanted)) send('ADDED', o);
  }
  const unsubscribe = store.onChange((e) => {
    if (e.resource.group !== t.type.group || e.resource.plural !== t.type.plural) return;
    if (wanted(e.object)) send(e.type, e.object);
  });
  const timeout = Number(query.get('timeoutSeconds') ?? 0);
  const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
  res.on('close', () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
  });
}
