import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
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
 * `maxInFlightMs`. For Terminus, without depending on it:
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

  /**
   * `{ [key]: details }` with `status: 'up'` or `'down'` (and the `problems` when down); never
   * throws. Terminus 11 and later count a `down` result as a failed check, as they do for their
   * own `HealthIndicatorService` results.
   */
  async isHealthy(
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
    const database = componentHealth(lag.error);
    const redisHealth = componentHealth(redis.error);
    const lagMs = lag.error ? null : (lag.value ?? 0);
    const oldestInFlightMs = this.inFlight.oldestAgeMs();
    const problems = [
      database.error && `database: ${database.error}`,
      redisHealth.error && `redis: ${redisHealth.error}`,
      lagMs !== null && lagMs > maxLagMs && `lag ${lagMs} ms > ${maxLagMs} ms`,
      oldestInFlightMs > maxInFlightMs &&
        `a message has been in progress ${oldestInFlightMs} ms > ${maxInFlightMs} ms (stuck?)`,
    ].filter((problem): problem is string => typeof problem === 'string');
    return {
      [key]: {
        status: problems.length === 0 ? 'up' : 'down',
        endpoint: this.options.endpoint,
        database,
        redis: redisHealth,
        lagMs,
        maxLagMs,
        oldestInFlightMs,
        maxInFlightMs,
        ...(problems.length > 0 && { problems }),
      },
    };
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

function componentHealth(error: string | undefined): ComponentHealth {
  return error ? { status: 'down', error } : { status: 'up' };
}
