/** A backend server to put behind the research infrastructure's gateway. */
export interface GatewayServerSpec {
  /** The gateway backend (HAProxy backend, HTTPRoute) serving one service. */
  readonly backend: string;
  /** Server name, the cluster name `cb-<installation tag>-<id hex>`, so the owner is in the name. */
  readonly server: string;
  readonly address: string;
  readonly port: number;
  readonly burstId: string;
  /** @default 'http' */
  readonly protocol?: 'http' | 'tcp';
  readonly weight?: number;
}

/** The gateway's view of a server we own. */
export interface GatewayServerStatus extends GatewayServerSpec {
  /** `disabled` after add, `ready` once enabled, `drain` (no new traffic), `maint`. */
  readonly state: 'disabled' | 'ready' | 'drain' | 'maint';
  /** Connections currently open to the server. */
  readonly connections: number;
}

/** Identifies one server. */
export interface GatewayServerRef {
  readonly backend: string;
  readonly server: string;
}

/**
 * The research infrastructure's own gateway (HAProxy, Gateway API). Every method is idempotent.
 * Servers not named with our prefix are never touched.
 */
export interface GatewayDriver {
  readonly name: string;
  /** Servers we own (optionally one burst's). */
  listOwned(filter?: { readonly burstId?: string }): Promise<GatewayServerStatus[]>;
  /** Add the server disabled (no traffic yet). */
  add(spec: GatewayServerSpec): Promise<void>;
  /** Send traffic to it (call only after its health check passed). */
  enable(ref: GatewayServerRef): Promise<void>;
  /** Stop new traffic; open connections carry on. */
  drain(ref: GatewayServerRef): Promise<void>;
  /** Open connections to the server. */
  connections(ref: GatewayServerRef): Promise<number>;
  /** Remove it; `force` cuts open connections first. */
  remove(ref: GatewayServerRef, options?: { readonly force?: boolean }): Promise<void>;
  close?(): Promise<void>;
}
