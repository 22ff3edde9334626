/**
 * The one error hierarchy of clusterburst. The runtime maps `retryable` to "retry with backoff"
 * (bus redelivery, 5xx to the caller) or "give up" (4xx, dead letter, phase Failed).
 */
export class ClusterburstError extends Error {
  /** Whether the same call may succeed if repeated later. */
  readonly retryable: boolean;

  constructor(message: string, options?: ErrorOptions & { retryable?: boolean }) {
    super(message, options);
    this.name = new.target.name;
    this.retryable = options?.retryable ?? false;
  }
}

/** Input from outside (HTTP, event, config, CLI) failed validation. Maps to 400. */
export class ValidationError extends ClusterburstError {
  /** Each problem as `path: message`, e.g. `alerts.0.status: Invalid option`. */
  readonly issues: readonly string[];

  constructor(message: string, issues: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.issues = issues;
  }
}

/** A record or remote object does not exist. Maps to 404. */
export class NotFoundError extends ClusterburstError {}

/** A compare-and-swap write lost: the stored version moved on. The loser re-reads and usually stops. */
export class VersionConflictError extends ClusterburstError {
  constructor(
    readonly id: string,
    readonly expectedVersion: number,
    options?: ErrorOptions,
  ) {
    super(`burst ${id}: version ${expectedVersion} is stale`, { ...options, retryable: true });
  }
}

/** Configuration is invalid. Thrown once at start-up, names the field. */
export class ConfigError extends ClusterburstError {}

/** Authentication failed or is missing. Maps to 401. */
export class AuthError extends ClusterburstError {}

/** A call to an external system failed. `quota` makes placement try the next provider. */
export class DriverError extends ClusterburstError {
  readonly driver: string;
  readonly quota: boolean;

  constructor(
    driver: string,
    message: string,
    options?: ErrorOptions & { retryable?: boolean; quota?: boolean },
  ) {
    super(`${driver}: ${message}`, options);
    this.driver = driver;
    this.quota = options?.quota ?? false;
  }
}
