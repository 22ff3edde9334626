/**
 * What a load driver observed over the scale-down window. Each figure is the highest
 * utilisation (0..1) seen over the whole window, so "below the threshold" means "below it the
 * whole time". `ok: false` means the load is unknown: scale-down then does nothing.
 */
export type LoadReport =
  | {
      readonly ok: true;
      readonly windowSeconds: number;
      /** Highest utilisation per burst id; a missing id falls back to `overall`. */
      readonly perCluster: Readonly<Record<string, number>>;
      readonly overall?: number;
      readonly why: string;
    }
  | { readonly ok: false; readonly why: string };
