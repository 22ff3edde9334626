import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Layers point down (ARCHITECTURE.md, "Layers"): a lower layer never imports a higher one. The
 * table below is the rule; this test reads every import of shared/ and functions/ and fails on
 * any the table does not allow, naming the file, the import and the rule it breaks.
 */

const ROOT = resolve(import.meta.dirname, '../../..');

/** Driver capabilities: each has its interface in drivers/<capability>/<capability>.ts. */
const CAPABILITIES = ['bus', 'dns', 'federation', 'gateway', 'load', 'provider', 'store'];
/** Driver folders of helpers several capabilities share. */
const DRIVER_HELPERS = ['kube', 'cloud', 'openstack'];

type Layer =
  | 'errors'
  | 'domain'
  | 'schemas'
  | 'core'
  | 'driver-interface'
  | 'driver-helper'
  | 'driver'
  | 'config'
  | 'runtime'
  | 'simulate'
  | 'cli'
  | 'functions';

/** The layer of a repository path (relative, with forward slashes). */
function layerOf(path: string): Layer | undefined {
  if (path.startsWith('functions/')) return 'functions';
  if (path === 'shared/errors.ts') return 'errors';
  const [top = '', folder = '', file = ''] = path.split('/');
  if (top !== 'shared') return undefined;
  if (folder === 'drivers') {
    const cap = file;
    if (DRIVER_HELPERS.includes(cap)) return 'driver-helper';
    if (CAPABILITIES.includes(cap) && path === `shared/drivers/${cap}/${cap}.ts`) return 'driver-interface';
    return 'driver';
  }
  const layers: Record<string, Layer> = {
    domain: 'domain',
    schemas: 'schemas',
    core: 'core',
    config: 'config',
    runtime: 'runtime',
    simulate: 'simulate',
    cli: 'cli',
  };
  return layers[folder];
}

/** What each layer may import: `all` for any import, `types` for `import type` only. */
type Allowed = Partial<Record<Layer, 'all' | 'types'>>;

/** The rule table; a layer may always import its own files (drivers: their own folder). */
const RULES: Record<Layer, Allowed> = {
  // Nothing of ours: the error hierarchy is what every layer shares.
  errors: {},
  // Pure decisions and data: only itself.
  domain: { domain: 'all' },
  // Parsing input from outside into domain shapes.
  schemas: { domain: 'all', errors: 'all' },
  // The operations: decisions from the domain, drivers only through their interfaces.
  core: { domain: 'all', schemas: 'all', errors: 'all', 'driver-interface': 'types', config: 'types' },
  'driver-interface': { domain: 'all', schemas: 'all', errors: 'all', 'driver-interface': 'types' },
  'driver-helper': {
    domain: 'all',
    schemas: 'all',
    errors: 'all',
    'driver-interface': 'all',
    'driver-helper': 'all',
  },
  // An implementation: its own folder, the interfaces, the shared driver helpers. Never core,
  // runtime, config or another capability's implementation.
  driver: { domain: 'all', schemas: 'all', errors: 'all', 'driver-interface': 'all', 'driver-helper': 'all' },
  // The configuration combines the drivers' option schemas.
  config: {
    domain: 'all',
    schemas: 'all',
    errors: 'all',
    'driver-interface': 'all',
    'driver-helper': 'all',
    driver: 'all',
  },
  // Hosting: builds drivers from the config and runs core; never the function definitions.
  runtime: {
    domain: 'all',
    schemas: 'all',
    errors: 'all',
    core: 'all',
    'driver-interface': 'all',
    'driver-helper': 'all',
    driver: 'all',
    config: 'all',
  },
  // The simulator: pure code over the domain's decisions; the simulation settings' types.
  simulate: { domain: 'all', schemas: 'all', errors: 'all', config: 'types' },
  // The CLI talks HTTP to a server; it checks a config offline and runs the simulator.
  cli: {
    domain: 'all',
    schemas: 'all',
    errors: 'all',
    config: 'all',
    runtime: 'all',
    simulate: 'all',
    'driver-interface': 'all',
    'driver-helper': 'all',
    driver: 'all',
  },
  // Functions: trigger, core operation, answer.
  functions: {
    domain: 'all',
    schemas: 'all',
    errors: 'all',
    core: 'all',
    runtime: 'all',
    config: 'all',
    'driver-interface': 'types',
  },
};

/**
 * Imports the table does not allow yet, each with why; an entry nothing needs any more fails
 * too, so it is removed once the work that ends it is merged.
 */
const PENDING: Record<string, string> = {};

interface Import {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}/${f.replaceAll('\\', '/')}`);
}

/** Every relative import of a file (static, `import type`, re-exports and dynamic imports). */
function importsOf(path: string, text: string): Import[] {
  const found: Import[] = [];
  const pattern =
    /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;
  for (const m of text.matchAll(pattern)) {
    const spec = m[3] ?? m[4] ?? '.';
    const to = relative(ROOT, resolve(ROOT, dirname(path), spec)).replaceAll('\\', '/');
    found.push({ from: path, to, typeOnly: m[2] !== undefined });
  }
  return found;
}

/** Why an import breaks the rule table, or undefined when it is allowed. */
function violation(imp: Import): string | undefined {
  const from = layerOf(imp.from);
  const to = layerOf(imp.to);
  if (!from) return undefined;
  if (!to)
    return imp.to.startsWith('shared/') || imp.to.startsWith('functions/')
      ? undefined
      : `${from} imports outside shared/ and functions/`;
  if (from === to) {
    if (from !== 'driver') return undefined;
    // A driver imports its own capability's folder only.
    const folder = (p: string) => p.split('/')[2] ?? '';
    return folder(imp.from) === folder(imp.to)
      ? undefined
      : `a ${folder(imp.from)} driver imports the ${folder(imp.to)} folder's implementation`;
  }
  const allowed = RULES[from][to];
  if (allowed === 'all') return undefined;
  if (allowed === 'types' && imp.typeOnly) return undefined;
  return allowed === 'types' ? `${from} may import only types from ${to}` : `${from} may not import ${to}`;
}

function allImports(): Import[] {
  return [...sourceFiles('shared'), ...sourceFiles('functions')].flatMap((path) =>
    importsOf(path, readFileSync(join(ROOT, path), 'utf8')),
  );
}

describe('import direction', () => {
  it('lets no lower layer import a higher one', () => {
    const broken = allImports()
      .map((imp) => ({ key: `${imp.from} -> ${imp.to}`, why: violation(imp) }))
      .filter((v) => v.why !== undefined && !(v.key in PENDING))
      .map((v) => `${v.key}: ${v.why}`);
    expect(broken).toEqual([]);
  });

  it('keeps no pending exception that no import needs any more', () => {
    const keys = new Set(allImports().map((imp) => `${imp.from} -> ${imp.to}`));
    expect(Object.keys(PENDING).filter((k) => !keys.has(k))).toEqual([]);
  });

  it('reports an upward import, a value import of a driver interface into core, and a cross-driver import', () => {
    expect(
      violation({ from: 'shared/domain/names.ts', to: 'shared/drivers/gateway/gateway.ts', typeOnly: true }),
    ).toBe('domain may not import driver-interface');
    expect(violation({ from: 'shared/core/deps.ts', to: 'shared/runtime/logger.ts', typeOnly: true })).toBe(
      'core may not import runtime',
    );
    expect(
      violation({ from: 'shared/core/traffic.ts', to: 'shared/drivers/dns/dns.ts', typeOnly: false }),
    ).toBe('core may import only types from driver-interface');
    expect(
      violation({ from: 'shared/core/traffic.ts', to: 'shared/drivers/dns/route53.ts', typeOnly: true }),
    ).toBe('core may not import driver');
    expect(
      violation({
        from: 'shared/drivers/gateway/gateway-api.ts',
        to: 'shared/drivers/store/kubernetes.ts',
        typeOnly: false,
      }),
    ).toBe("a gateway driver imports the store folder's implementation");
    expect(
      violation({
        from: 'shared/drivers/dns/route53.ts',
        to: 'shared/runtime/build-drivers.ts',
        typeOnly: false,
      }),
    ).toBe('driver may not import runtime');
    expect(
      violation({ from: 'shared/runtime/create-deps.ts', to: 'functions/provision.ts', typeOnly: false }),
    ).toBe('runtime may not import functions');
  });

  it('reads static, type-only, re-exported and dynamic imports', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "const d = await import('./d.ts');",
      "import {\n  e,\n  type F,\n} from './e.ts';",
    ].join('\n');
    expect(importsOf('shared/core/x.ts', text)).toEqual([
      { from: 'shared/core/x.ts', to: 'shared/core/a.ts', typeOnly: false },
      { from: 'shared/core/x.ts', to: 'shared/b.ts', typeOnly: true },
      { from: 'shared/core/x.ts', to: 'shared/core/c.ts', typeOnly: false },
      { from: 'shared/core/x.ts', to: 'shared/core/d.ts', typeOnly: false },
      { from: 'shared/core/x.ts', to: 'shared/core/e.ts', typeOnly: false },
    ]);
  });
});
