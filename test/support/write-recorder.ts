/**
 * A recording proxy in front of an emulator: every request passes through unchanged, and each
 * write (POST, PUT, PATCH) is kept with its body and answer, so a test can check everything a
 * driver (or an emulated controller) wrote against the upstream schemas (`schemaProblems`).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeEmulator } from './kube-emulator/index.ts';
import { pruneObject } from './kube-emulator/prune.ts';
import { loadKubernetesSchemas, openApiProblems } from './openapi-check.ts';

/** One write as the server received it. */
export interface RecordedWrite {
  readonly target: KubeEmulator;
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  readonly body: unknown;
  readonly status: number;
}

/** A running recorder: point clients at `url` instead of the emulator's. */
export interface WriteRecorder {
  readonly url: string;
  readonly writes: RecordedWrite[];
  stop(): Promise<void>;
}

/** Starts a recording proxy for `target`. */
export async function startWriteRecorder(
  target: KubeEmulator,
  writes: RecordedWrite[] = [],
): Promise<WriteRecorder> {
  const upstream = new URL(target.url);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          if (['POST', 'PUT', 'PATCH'].includes(req.method ?? '')) {
            let body: unknown;
            try {
              body = JSON.parse(raw.toString('utf8'));
            } catch {
              body = raw.toString('utf8');
            }
            const path = (req.url ?? '').split('?')[0]!;
            const contentType = String(req.headers['content-type'] ?? '');
            writes.push({
              target,
              method: req.method!,
              path,
              contentType,
              body,
              status: answer.statusCode ?? 0,
            });
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    writes,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CORE_KINDS: Readonly<Record<string, string>> = {
  namespaces: 'Namespace',
  secrets: 'Secret',
  serviceaccounts: 'ServiceAccount',
  services: 'Service',
  configmaps: 'ConfigMap',
  clusterroles: 'ClusterRole',
  clusterrolebindings: 'ClusterRoleBinding',
  roles: 'Role',
  rolebindings: 'RoleBinding',
};

let kubernetes: ReturnType<typeof loadKubernetesSchemas> | undefined;

/**
 * What the real API servers would have rejected or silently dropped of `writes`, as lines:
 * any 4xx answer but 404 and 409 (rejected); for a custom resource, every field its CRD's
 * upstream structural schema prunes (also of a merge patch); for a built-in kind, every
 * problem against the Kubernetes OpenAPI document (creates and replaces).
 */
export function schemaProblems(writes: readonly RecordedWrite[]): string[] {
  kubernetes ??= loadKubernetesSchemas();
  const problems: string[] = [];
  for (const w of writes) {
    const at = `${w.target.name} ${w.method} ${w.path}`;
    if (w.status >= 400 && w.status !== 404 && w.status !== 409)
      problems.push(`${at}: rejected (${w.status})`);
    const parts = w.path.split('/').filter(Boolean);
    const core = parts[0] === 'api';
    const group = core ? '' : (parts[1] ?? '');
    const version = core ? parts[1] : parts[2];
    const apiVersion = core ? String(version) : `${group}/${version}`;
    let rest = parts.slice(core ? 2 : 3);
    if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2); // a namespaced resource
    const plural = rest[0];
    const crd = group
      ? w.target.get({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          name: `${plural}.${group}`,
        })
      : undefined;
    const body = structuredClone(w.body) as Record<string, unknown>;
    if (crd) {
      const versions = (
        crd.spec as { versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[] }
      ).versions;
      const schema = versions.find((v) => v.name === version)?.schema.openAPIV3Schema;
      if (schema) for (const dropped of pruneObject(body, schema)) problems.push(`${at}: ${dropped} pruned`);
    } else if (w.method !== 'PATCH') {
      const kind =
        (body.kind as string | undefined) ??
        (group === '' || group === 'rbac.authorization.k8s.io' ? CORE_KINDS[plural ?? ''] : undefined);
      if (!kind) problems.push(`${at}: no schema known`);
      else
        for (const p of openApiProblems(kubernetes, { apiVersion, ...body, kind }))
          problems.push(`${at}: ${p}`);
    }
  }
  return problems;
}
