import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import type { MessageEnvelope } from '../lib';

/** A job in a queue's failed set (a dead letter) and why it failed. */
export interface FailedJob {
  queue: string;
  id: string;
  reason: string;
}

/** The failed set read raw: BullMQ's own getters would throw on a job whose data is not JSON. */
export async function readFailedJobs(
  redis: Redis,
  queue: Queue<MessageEnvelope>,
): Promise<FailedJob[]> {
  const ids = await redis.zrange(queue.toKey('failed'), 0, -1);
  return Promise.all(
    ids.map(async (id) => ({
      queue: queue.name,
      id,
      reason: (await redis.hget(queue.toKey(id), 'failedReason')) ?? '',
    })),
  );
}
