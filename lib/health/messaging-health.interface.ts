/** One check's outcome: `up`, or `down` with the reason. */
export interface ComponentHealth {
  status: 'up' | 'down';
  error?: string;
}

/** Details under the indicator's key, the shape Terminus expects (`{ [key]: { status, ... } }`). */
export interface MessagingHealthDetails {
  status: 'up' | 'down';
  endpoint: string;
  database: ComponentHealth;
  redis: ComponentHealth;
  /** Age of the oldest pending outbox row in ms (null when the database is unreachable). */
  lagMs: number | null;
  maxLagMs: number;
  /** How long the oldest message this process is handling has been in progress, in ms. */
  oldestInFlightMs: number;
  maxInFlightMs: number;
  /** What is wrong, one line each; only when down. */
  problems?: string[];
}

export type MessagingHealthResult = Record<string, MessagingHealthDetails>;

export interface MessagingHealthOptions {
  /** Dispatch lag above which the indicator is down. Default 60000 ms. */
  maxLagMs?: number;
  /**
   * Age of the oldest message in progress above which the indicator is down: something is stuck.
   * Default twice `attemptTimeoutMs`.
   */
  maxInFlightMs?: number;
  /** Longest each check may take before it counts as down. Default 2000 ms. */
  timeoutMs?: number;
}
