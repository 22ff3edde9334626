/**
 * The HTTP side of the emulator: bearer-token authentication, fault injection, the request
 * log, discovery, and dispatch to the resource handlers. Everything is answered as JSON; every
 * failure is a `Status` object.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { coreVersions, groupInfo, groupList, resourceList, versionInfo } from './discovery.ts';
import type { Faults } from './faults.ts';
import type { Reply } from './resources.ts';
import { handleResource, resolveTarget } from './resources.ts';
import { ApiStatusError, badRequest, internalError, pathNotFound, unauthorized } from './status.ts';
import type { ObjectStore } from './storage.ts';
import { isServiceAccountToken } from './token-controller.ts';
import { serveWatch } from './watch.ts';

/** One served request, for counting API calls. `status` is 0 for a dropped connection. */
export interface RequestLogEntry {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Query string without the `?`, '' when none. */
  readonly query: string;
  readonly status: number;
  /** Whether the answer (or the drop) came from an injected fault. */
  readonly injected: boolean;
  readonly durationMs: number;
}

/** What the request handler needs from its emulator. */
export interface ServerContext {
  readonly store: ObjectStore;
  readonly faults: Faults;
  readonly log: RequestLogEntry[];
  readonly token: string;
  /** Accept tokens of service-account token Secrets too (not only the admin token). */
  readonly acceptServiceAccountTokens: boolean;
  /** Another bearer-token authenticator (a cloud's webhook: EKS IAM, GKE OAuth). */
  readonly acceptToken?: (token: string) => boolean | Promise<boolean>;
  serverAddress(): string;
}

/** Paths kube-apiserver serves to anyone (the `system:public-info-viewer` ClusterRole). */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

/** Whether the TLS layer verified a client certificate against the emulator's client CA. */
function clientCertificateVerified(req: IncomingMessage): boolean {
  return (req.socket as { authorized?: boolean }).authorized === true;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function authenticated(ctx: ServerContext, req: IncomingMessage): Promise<boolean> {
  if (clientCertificateVerified(req)) return true;
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const token = m[1]!.trim();
  return (
    sameSecret(token, ctx.token) ||
    (ctx.acceptServiceAccountTokens && isServiceAccountToken(ctx.store, token)) ||
    ((await ctx.acceptToken?.(token)) ?? false)
  );
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

function discovery(ctx: ServerContext, segs: readonly string[]): Reply | undefined {
  const { registry } = ctx.store;
  const found = (body: unknown): Reply => {
    if (body === undefined) throw pathNotFound();
    return { code: 200, body };
  };
  if (segs[0] === 'version' && segs.length === 1) return { code: 200, body: versionInfo() };
  if (segs[0] === 'api' && segs.length === 1) return { code: 200, body: coreVersions(ctx.serverAddress()) };
  if (segs[0] === 'api' && segs.length === 2) return found(resourceList(registry, '', segs[1]!));
  if (segs[0] === 'apis' && segs.length === 1) return { code: 200, body: groupList(registry) };
  if (segs[0] === 'apis' && segs.length === 2) return found(groupInfo(registry, segs[1]!));
  if (segs[0] === 'apis' && segs.length === 3) return found(resourceList(registry, segs[1]!, segs[2]!));
  return undefined;
}

/** Builds the `node:http` request listener of one emulator. */
export function createRequestHandler(
  ctx: ServerContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(ctx, req, res);
  };
}

async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const url = new URL(req.url ?? '/', 'http://emulator');
  const method = (req.method ?? 'GET').toUpperCase();
  const log = (status: number, injected: boolean) =>
    ctx.log.push({
      method,
      path: url.pathname,
      query: url.search.slice(1),
      status,
      injected,
      durationMs: performance.now() - started,
    });
  const decision = ctx.faults.decide(method, url.pathname);
  if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
  const drop = () => {
    log(0, true);
    req.socket.destroy();
  };
  const send = (reply: Reply, injected = false) => {
    log(reply.code, injected);
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.code, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  const injectedFailure = (status: number): Reply => {
    const s = internalError('injected fault').status;
    return { code: status, body: { ...s, code: status } };
  };
  const action = decision.action;
  if (action?.when === 'before')
    return action.kind === 'drop' ? drop() : send(injectedFailure(action.status), true);

  let reply: Reply;
  try {
    const body = await readBody(req);
    // Anonymous requests may read the health and version paths only, as kube-apiserver's
    // default anonymous auth plus system:public-info-viewer allow; everything else is 401.
    if (!PUBLIC_PATHS.has(url.pathname) && !(await authenticated(ctx, req))) throw unauthorized();
    const segs = url.pathname
      .split('/')
      .filter((s) => s.length > 0)
      .map(decodeURIComponent);
    if (['healthz', 'readyz', 'livez'].includes(segs[0] ?? '') && segs.length === 1) {
      log(200, false);
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    const found = method === 'GET' ? discovery(ctx, segs) : undefined;
    if (found) {
      reply = found;
    } else {
      const isCore = segs[0] === 'api' && segs.length >= 3;
      const isGroup = segs[0] === 'apis' && segs.length >= 4;
      if (!isCore && !isGroup) throw pathNotFound();
      const [group, version, rest] = isCore
        ? ['', segs[1]!, segs.slice(2)]
        : [segs[1]!, segs[2]!, segs.slice(3)];
      const target = resolveTarget(ctx.store, group, version, rest);
      const watching = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
      if (method === 'GET' && target.name === undefined && watching) {
        log(200, false);
        serveWatch(ctx.store, target, url.searchParams, res);
        return;
      }
      reply = handleResource(ctx.store, target, method, url.searchParams, req.headers['content-type'], body);
    }
  } catch (e) {
    const status = e instanceof ApiStatusError ? e.status : internalError((e as Error).message).status;
    reply = { code: status.code, body: status };
  }
  if (action?.when === 'after')
    return action.kind === 'drop' ? drop() : send(injectedFailure(action.status), true);
  send(reply);
}
