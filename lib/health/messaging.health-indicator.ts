import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { MessagingHealthCheckError } from '../errors/messaging-health-check.error';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { InFlightMessages } from '../metrics/in-flight-messages';
import { OutboxStore } from '../outbox/outbox.store';
import { ProducerConnection } from '../transport/producer-connection';
import type {
  ComponentHealth,
  MessagingHealthOptions,
  MessagingHealthResult,
} from './messaging-health.interface';

/**
 * Health of this endpoint's messaging: the database answers, Redis answers, the oldest pending
 * outbox row is younger than `maxLagMs`, and no message has been in progress longer than
 * `maxInFlightMs`. Terminus-compatible without depending on it:
 *
 * ```ts
 * this.health.check([() => this.messaging.isHealthy('messaging', { maxLagMs: 30000 })])
 * ```
 */
@Injectable()
export class MessagingHealthIndicator {
  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly connection: ProducerConnection,
    private readonly outboxStore: OutboxStore,
    private readonly inFlight: InFlightMessages,
  ) {}

  /** Returns `{ [key]: details }` whatever the status; never throws. */
  async check(
    key = 'messaging',
    options: MessagingHealthOptions = {},
  ): Promise<MessagingHealthResult> {
    const maxLagMs = options.maxLagMs ?? 60000;
    const maxInFlightMs = options.maxInFlightMs ?? 2 * this.options.attemptTimeoutMs;
    const timeoutMs = options.timeoutMs ?? 2000;
    const [lag, redis] = await Promise.all([
      this.probe(() => this.outboxStore.dispatchLagMs(), timeoutMs),
      this.probe(() => this.connection.client.ping(), timeoutMs),
    ]);
    const database: ComponentHealth = lag.error
      ? { status: 'down', error: lag.error }
      : { status: 'up' };
    const redisHealth: ComponentHealth = redis.error
      ? { status: 'down', error: redis.error }
      : { status: 'up' };
    const lagMs = lag.error ? null : (lag.value ?? 0);
    const oldestInFlightMs = this.inFlight.oldestAgeMs();
    const up =
      database.status === 'up' &&
      redisHealth.status === 'up' &&
      lagMs !== null &&
      lagMs <= maxLagMs &&
      oldestInFlightMs <= maxInFlightMs;
    return {
      [key]: {
        status: up ? 'up' : 'down',
        endpoint: this.options.endpoint,
        database,
        redis: redisHealth,
        lagMs,
        maxLagMs,
        oldestInFlightMs,
        maxInFlightMs,
      },
    };
  }

  /** Like `check`, but throws `MessagingHealthCheckError` (Terminus's contract) when down. */
  async isHealthy(
    key = 'messaging',
    options: MessagingHealthOptions = {},
  ): Promise<MessagingHealthResult> {
    const result = await this.check(key, options);
    const details = result[key];
    if (details.status === 'down') {
      const reasons = [
        details.database.error && `database: ${details.database.error}`,
        details.redis.error && `redis: ${details.redis.error}`,
        details.lagMs !== null &&
          details.lagMs > details.maxLagMs &&
          `lag ${details.lagMs} ms > ${details.maxLagMs} ms`,
        details.oldestInFlightMs > details.maxInFlightMs &&
          `a message has been in progress ${details.oldestInFlightMs} ms > ${details.maxInFlightMs} ms (stuck?)`,
      ].filter(Boolean);
      throw new MessagingHealthCheckError(`Messaging is down: ${reasons.join('; ')}`, result);
    }
    return result;
  }

  private async probe<T>(
    run: () => Promise<T>,
    timeoutMs: number,
  ): Promise<{ value?: T; error?: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return { value: await Promise.race([run(), timeout]) };
    } catch (error) {
      return { error: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }
}
