/**
 * Where the CLI finds the control plane and which token it sends, the way the server decides
 * where it listens: `--url`, else `$CLUSTERBURST_URL`, else the port the local runtime would use
 * (`$PORT`, else `server.port` of `$CLUSTERBURST_CONFIG` or ./clusterburst.yaml, else 8080).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ClientOptions } from './client.ts';
import { UsageError } from './usage-error.ts';

const UrlSchema = z.url({ protocol: /^https?$/ });
const PortSchema = z.coerce.number().int().min(1).max(65535);

/** Only the fields the CLI needs; the rest of the file is the server's business. */
const ServerPartSchema = z.looseObject({
  server: z
    .looseObject({
      host: z.string().optional(),
      port: z.number().int().min(0).max(65535).optional(),
      // Any form the server accepts (credentials, or none); only a bearer token matters here.
      auth: z.unknown().optional(),
    })
    .optional(),
});

/** Hosts that mean "every interface": the CLI reaches them on loopback. */
const ANY_HOST = new Set(['0.0.0.0', '::', '']);

/** The configuration file the local runtime would read, or undefined when there is none. */
export function configPath(env: NodeJS.ProcessEnv, cwd = process.cwd()): string | undefined {
  if (env.CLUSTERBURST_CONFIG) return env.CLUSTERBURST_CONFIG;
  const local = `${cwd}/clusterburst.yaml`;
  return existsSync(local) ? local : undefined;
}

function readServerPart(env: NodeJS.ProcessEnv) {
  const path = configPath(env);
  if (!path) return { path, server: undefined };
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read configuration ${path}: ${(error as Error).message}`);
  }
  const parsed = ServerPartSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`invalid configuration ${path}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return { path, server: parsed.data.server };
}

/** Resolve the control plane URL and token from flags, environment and configuration file. */
export function resolveEndpoint(
  flags: { readonly url?: string; readonly token?: string },
  env: NodeJS.ProcessEnv,
): ClientOptions {
  const fileServer = () => readServerPart(env).server;
  let url = flags.url ?? env.CLUSTERBURST_URL;
  const source = flags.url ? '--url' : 'CLUSTERBURST_URL';
  // The configured token goes only to the server that configuration describes, never elsewhere.
  const local = url === undefined;
  if (url === undefined) {
    const server = fileServer();
    let port = 8080;
    if (env.PORT) {
      const parsed = PortSchema.safeParse(env.PORT);
      if (!parsed.success) throw new UsageError(`PORT: not a port number: ${env.PORT}`);
      port = parsed.data;
    } else if (server?.port) {
      port = server.port;
    }
    const host = server?.host === undefined || ANY_HOST.has(server.host) ? '127.0.0.1' : server.host;
    url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  const checked = UrlSchema.safeParse(url);
  if (!checked.success) throw new UsageError(`${source}: not an http(s) URL: ${url}`);
  const token = flags.token ?? env.CLUSTERBURST_TOKEN ?? (local ? configToken(fileServer, env) : undefined);
  return { url: checked.data, ...(token && { token }) };
}

/** The configured bearer token when this shell can resolve it (`env:NAME` set here, or literal). */
function configToken(
  fileServer: () => z.output<typeof ServerPartSchema>['server'],
  env: NodeJS.ProcessEnv,
): string | undefined {
  const auth = fileServer()?.auth;
  const value =
    auth && typeof auth === 'object' ? (auth as { bearerToken?: unknown }).bearerToken : undefined;
  if (typeof value !== 'string' || !value) return undefined;
  return value.startsWith('env:') ? env[value.slice(4)] || undefined : value;
}
