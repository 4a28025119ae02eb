import type { MessagingHealthResult } from '../health/messaging-health.interface';

/**
 * Thrown by `MessagingHealthIndicator.isHealthy` when something is down. Shaped like Terminus's
 * `HealthCheckError` (`isHealthCheckError`, `causes`), so `HealthCheckService` reports it as a down
 * indicator with its details instead of as a crash.
 */
export class MessagingHealthCheckError extends Error {
  readonly isHealthCheckError = true;

  constructor(
    message: string,
    readonly causes: MessagingHealthResult,
  ) {
    super(message);
    this.name = 'MessagingHealthCheckError';
  }
}
