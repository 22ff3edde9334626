/**
 * Checks a request log against RBAC rules, since the emulator stores RBAC objects but does not
 * enforce them: a driver test runs its workflow, then asserts every call it made is allowed by
 * the Role/ClusterRole shipped in deploy/rbac (and so proves the manifest is sufficient).
 */
import type { RequestLogEntry } from './server.ts';

/** One `rules[]` entry of a Role or ClusterRole. */
export interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly verbs: readonly string[];
}

/** The authorization attributes kube-apiserver derives from a resource request. */
export interface RequestAttributes {
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** The attributes of a logged request, or undefined for discovery and other non-resource paths. */
export function requestAttributes(
  entry: Pick<RequestLogEntry, 'method' | 'path' | 'query'>,
): RequestAttributes | undefined {
  const segs = entry.path.split('/').filter(Boolean).map(decodeURIComponent);
  let rest: string[];
  let apiGroup: string;
  if (segs[0] === 'api' && segs.length >= 3) [apiGroup, rest] = ['', segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 4) [apiGroup, rest] = [segs[1]!, segs.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest as [string, string?, string?];
  const watch = /(^|&)watch=(true|1)(&|$)/.test(entry.query);
  const verb = {
    GET: name ? 'get' : watch ? 'watch' : 'list',
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: name ? 'delete' : 'deletecollection',
  }[entry.method];
  if (!verb) return undefined;
  return {
    verb,
    apiGroup,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
  };
}

const has = (list: readonly string[] | undefined, value: string) =>
  !!list && (list.includes('*') || list.includes(value));

/** Whether one of `rules` allows the request (namespace scoping is the caller's business). */
export function allowedBy(rules: readonly PolicyRule[], a: RequestAttributes): boolean {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return rules.some(
    (r) =>
      has(r.verbs, a.verb) &&
      has(r.apiGroups, a.apiGroup) &&
      has(r.resources, resource) &&
      (!r.resourceNames?.length || (a.name !== undefined && r.resourceNames.includes(a.name))),
  );
}

/** The logged resource requests that `rules` do not allow, as `verb group/resource[/sub] name`. */
export function deniedRequests(log: readonly RequestLogEntry[], rules: readonly PolicyRule[]): string[] {
  return log
    .map(requestAttributes)
    .filter((a): a is RequestAttributes => a !== undefined && !allowedBy(rules, a))
    .map((a) =>
      `${a.verb} ${a.apiGroup || 'core'}/${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.name ?? ''}`.trim(),
    );
}
