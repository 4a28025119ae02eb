import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { RedisUnavailableError } from '../errors/redis-unavailable.error';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { settlesWithin } from '../relay/settles-within';

/** How long startup waits for Redis before it says it is waiting. */
const FIRST_WAIT_MS = 1000;

/**
 * The one Redis connection every producer queue of this process shares. Commands fail at once while
 * Redis is unreachable (no offline queue), so a dispatch never hangs: the outbox keeps the message
 * and the sweeper sends it when Redis is back.
 */
@Injectable()
export class ProducerConnection {
  readonly client: Redis;
  private readonly logger = new Logger('ConsistentMessaging');
  private lastError = '';

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
  ) {
    this.client = new Redis({
      ...options.redis,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    this.client.on('error', (error: Error) => this.logOnce(error));
    this.client.on('ready', () => (this.lastError = ''));
  }

  /**
   * Runs `send`, and the commands it issues before the event loop turns leave in one socket write:
   * the socket stays corked until then. Cheaper than ioredis pipelines, which copy every BullMQ
   * script onto each new pipeline.
   */
  together<T>(send: () => Promise<T>): Promise<T> {
    const stream = this.client.stream;
    if (this.client.status !== 'ready' || !stream) return send();
    stream.cork();
    setImmediate(() => stream.uncork());
    return send();
  }

  /**
   * Connects, waiting up to `redisStartupTimeoutMs` for Redis (it may start after the application,
   * in a deploy of both): ioredis retries meanwhile. Throws RedisUnavailableError after that.
   */
  async connect(): Promise<void> {
    if (this.client.status === 'ready') return;
    const ready = new Promise<void>((resolve) => this.client.once('ready', resolve));
    if (this.client.status === 'wait') this.client.connect().catch(() => undefined);
    const timeoutMs = this.options.redisStartupTimeoutMs;
    if (await settlesWithin(ready, Math.min(timeoutMs, FIRST_WAIT_MS))) return;
    this.logger.warn(`Waiting up to ${timeoutMs} ms for Redis at ${this.address()}…`);
    if (await settlesWithin(ready, timeoutMs - FIRST_WAIT_MS)) return;
    const error = new RedisUnavailableError(this.address(), timeoutMs, this.lastError);
    this.client.disconnect();
    throw error;
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private address(): string {
    const { host, port, path } = this.options.redis;
    return path ?? `${host ?? '127.0.0.1'}:${port ?? 6379}`;
  }

  /** Logs each distinct connection error once, not at every reconnect attempt. */
  private logOnce(error: Error): void {
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.logger.warn(`Redis (producer): ${error.message}`);
  }
}
