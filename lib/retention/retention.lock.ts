import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { ProducerConnection } from '../transport/producer-connection';
import { redisKeys } from '../transport/redis-keys';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A Redis lease (`SET key token NX PX ttl`) so one instance cleans a set of tables (one `tablePrefix`) at a time. Released
 * only by its own token; if the holder dies the lease expires after `ttlMs`.
 */
@Injectable()
export class RetentionLock {
  private readonly key: string;

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) options: ResolvedMessagingOptions,
    private readonly connection: ProducerConnection,
  ) {
    this.key = redisKeys.retentionLock(options.queuePrefix, options.tablePrefix);
  }

  /** Returns the token if the lease was taken, undefined if another instance holds it. */
  async acquire(ttlMs: number): Promise<string | undefined> {
    const token = randomUUID();
    const result = await this.connection.client.set(this.key, token, 'PX', ttlMs, 'NX');
    return result === 'OK' ? token : undefined;
  }

  async release(token: string): Promise<void> {
    await this.connection.client.eval(RELEASE, 1, this.key, token);
  }
}
