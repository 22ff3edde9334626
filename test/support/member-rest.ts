/**
 * Plain REST calls into a member cluster with a bearer token, as the emulated federation
 * controllers make them (push mode: the credentials the federation holds for the member).
 */

/** A member's API endpoint and the federation's token for it. */
export interface MemberAccess {
  readonly endpoint: string;
  readonly token: string;
}

/** Path of a namespaced object: core kinds under /api/v1, others under /apis/<group>/<version>. */
export function objectPath(apiVersion: string, plural: string, namespace: string, name?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}/namespaces/${namespace}/${plural}${name ? `/${name}` : ''}`;
}

/** One call; the parsed answer and its status (0 when the member did not answer). */
export async function memberCall(
  access: MemberAccess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  try {
    const res = await fetch(new URL(path, access.endpoint), {
      method,
      headers: { authorization: `Bearer ${access.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(2000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  } catch {
    return { status: 0, body: undefined };
  }
}

/**
 * Creates or replaces `object` in the member (keeping its status: the main endpoint ignores it),
 * creating the namespace first if needed, as Karmada's namespace sync does.
 */
export async function applyToMember(
  access: MemberAccess,
  object: { apiVersion: string; metadata: { name: string; namespace: string } } & Record<string, unknown>,
  plural: string,
): Promise<number> {
  const { name, namespace } = object.metadata;
  await memberCall(access, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
  const path = objectPath(object.apiVersion, plural, namespace, name);
  const existing = await memberCall(access, 'GET', path);
  if (existing.status === 404)
    return (await memberCall(access, 'POST', objectPath(object.apiVersion, plural, namespace), object))
      .status;
  const meta = existing.body?.metadata as { resourceVersion?: string } | undefined;
  const spec = { ...(object.spec as Record<string, unknown>) };
  // A Service keeps the clusterIP the member allocated (Karmada retains it likewise).
  const had = existing.body?.spec as { clusterIP?: string } | undefined;
  if (plural === 'services' && had?.clusterIP) spec.clusterIP = had.clusterIP;
  const body = { ...object, spec, metadata: { ...object.metadata, resourceVersion: meta?.resourceVersion } };
  return (await memberCall(access, 'PUT', path, body)).status;
}
