import type { Fault } from './fault.interface';

/** Jobs already hit: each job loses its lock at most once. */
const expired = new Set<string>();

/**
 * Expires the lock of a job that has been running for over a second while its worker is still
 * alive (BullMQ would renew it otherwise): the stalled check redelivers it to another worker while
 * the first run still holds its transaction open. B's slow keys make this likely to hit one.
 */
export const lockExpiry: Fault = async ({ random, queues, redis, prefix }) => {
  const queue = queues[random.pick(['b', 'b', 'c'] as const)];
  const active = await queue.getActive();
  const longRunning = active.filter(
    (job) => !expired.has(`${queue.name}/${job.id}`) && Date.now() - (job.processedOn ?? 0) > 1000,
  );
  if (longRunning.length === 0) return undefined;
  const job = random.pick(longRunning);
  expired.add(`${queue.name}/${job.id}`);
  await redis.del(`${prefix.replace(/_+$/, '')}:${queue.name}:${job.id}:lock`);
  return `lock of ${queue.name} job ${job.id} deleted while it runs`;
};
