/**
 * What kube-controller-manager's legacy token controller does with explicit
 * `kubernetes.io/service-account-token` Secrets (the only way to get a long-lived token since
 * Kubernetes 1.24): shortly after creation it fills `data.token`, `data['ca.crt']` and
 * `data.namespace`, and stamps the service account's uid. A Secret naming a service account
 * that does not exist is deleted, and deleting a service account deletes its token Secrets.
 */
import { randomBytes } from 'node:crypto';
import type { KubeObject, ObjectStore } from './storage.ts';

/** The Secret type the controller watches. */
export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
/** The annotation naming the service account. */
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
/** The annotation the controller sets to the service account's uid. */
export const SERVICE_ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

/** Options of the token controller. */
export interface TokenControllerOptions {
  /** Delay between a Secret's creation and its token appearing. @default 50 */
  readonly delayMs?: number;
  /** PEM text served as `ca.crt`. */
  readonly caCrt: string;
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JWT-shaped token carrying the claims a real legacy token carries (unsigned: random tail). */
function mintToken(namespace: string, secret: string, sa: string, uid: string): string {
  const claims = {
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': namespace,
    'kubernetes.io/serviceaccount/secret.name': secret,
    'kubernetes.io/serviceaccount/service-account.name': sa,
    'kubernetes.io/serviceaccount/service-account.uid': uid,
    sub: `system:serviceaccount:${namespace}:${sa}`,
  };
  return `${b64url({ alg: 'RS256', kid: 'kube-emulator' })}.${b64url(claims)}.${randomBytes(32).toString('base64url')}`;
}

function isTokenSecret(o: KubeObject): boolean {
  return o.type === SERVICE_ACCOUNT_TOKEN_TYPE && !!o.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION];
}

/** Starts the controller on a store; returns `stop`, which cancels pending work. */
export function startTokenController(store: ObjectStore, options: TokenControllerOptions): () => void {
  const delayMs = options.delayMs ?? 50;
  const timers = new Set<NodeJS.Timeout>();
  const secrets = store.registry.lookup('', 'v1', 'secrets')!;
  const serviceAccounts = store.registry.lookup('', 'v1', 'serviceaccounts')!;

  const later = (fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      try {
        fn();
      } catch {
        // The object changed under us (deleted, finalizing); the next event retries.
      }
    }, delayMs);
    timers.add(t);
  };

  const populate = (namespace: string, name: string) => {
    const secret = store.find(secrets, namespace, name);
    if (!secret || !isTokenSecret(secret) || secret.metadata.deletionTimestamp) return;
    const data = (secret.data ?? {}) as Record<string, string>;
    if (data.token) return;
    const saName = secret.metadata.annotations![SERVICE_ACCOUNT_NAME_ANNOTATION]!;
    const sa = store.find(serviceAccounts, namespace, saName);
    if (!sa) {
      store.delete(secrets, namespace, name);
      return;
    }
    const uid = sa.metadata.uid!;
    store.update(secrets, namespace, name, {
      ...secret,
      metadata: {
        ...secret.metadata,
        annotations: { ...secret.metadata.annotations, [SERVICE_ACCOUNT_UID_ANNOTATION]: uid },
      },
      data: {
        ...data,
        token: b64(mintToken(namespace, name, saName, uid)),
        'ca.crt': b64(options.caCrt),
        namespace: b64(namespace),
      },
    });
  };

  const unsubscribe = store.onChange((e) => {
    const { group, plural } = e.resource;
    if (group !== '' || !e.resource.builtin) return;
    const ns = e.object.metadata.namespace ?? '';
    if (plural === 'secrets' && e.type === 'ADDED' && isTokenSecret(e.object)) {
      const name = e.object.metadata.name!;
      later(() => populate(ns, name));
    }
    if (plural === 'serviceaccounts' && e.type === 'DELETED') {
      const saName = e.object.metadata.name;
      later(() => {
        for (const s of store.list(secrets, { namespace: ns }).items) {
          if (isTokenSecret(s) && s.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] === saName) {
            store.delete(secrets, ns, s.metadata.name!);
          }
        }
      });
    }
  });

  return () => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
}

/** Whether `token` is the token of a live service-account token Secret in the store. */
export function isServiceAccountToken(store: ObjectStore, token: string): boolean {
  const secrets = store.registry.lookup('', 'v1', 'secrets')!;
  const encoded = b64(token);
  return store
    .list(secrets)
    .items.some((s) => isTokenSecret(s) && (s.data as Record<string, string> | undefined)?.token === encoded);
}
