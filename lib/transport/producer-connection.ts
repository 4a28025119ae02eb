import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';

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

  constructor(@Inject(CONSISTENT_MESSAGING_OPTIONS) options: ResolvedMessagingOptions) {
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

  async connect(): Promise<void> {
    if (this.client.status === 'wait') await this.client.connect();
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }

  /** Logs each distinct connection error once, not at every reconnect attempt. */
  private logOnce(error: Error): void {
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.logger.warn(`Redis (producer): ${error.message}`);
  }
}
