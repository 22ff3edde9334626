/** The local / on-premises runtime with every function of the catalog. */
import type { Config } from '../../shared/config/config-schema.ts';
import type { CreateDepsOptions } from '../../shared/runtime/create-deps.ts';
import { type LocalRuntime, startRuntime } from '../../shared/runtime/local/app.ts';
import { CATALOG } from '../catalog.ts';

export type { LocalRuntime };

/** Start the whole control plane in this process (see startRuntime). */
export function startLocalRuntime(config: Config, options: CreateDepsOptions = {}): Promise<LocalRuntime> {
  return startRuntime(CATALOG, config, options);
}
