import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';

/**
 * ioredis options as BullMQ takes them. BullMQ 6 types its own copy of them, which reads ioredis's
 * `retryStrategy: null` as a mismatch; BullMQ hands them to ioredis unchanged.
 */
export function bullConnection(options: RedisOptions): ConnectionOptions {
  return options as ConnectionOptions;
}
