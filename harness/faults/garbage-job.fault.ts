import type { Fault } from './fault.interface';

let jobs = 0;

/** Replaces a job's data only while it is still delayed, so that no worker has read it yet. */
const spoilIfDelayed = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('HSET', KEYS[2], 'data', ARGV[2])
  return 1
end
return 0`;

/**
 * Puts a job whose data is not JSON into B's or C's queue, as a foreign producer or a corrupted
 * write would: added delayed with a valid envelope, its `data` field overwritten, then promoted.
 * Its key has no A row, so a worker that somehow handled it would leave a ghost B or C row.
 */
export const garbageJob: Fault = async ({ random, queues, redis, record }) => {
  const name = random.pick(['b', 'c'] as const);
  const queue = queues[name];
  const id = `garbage-${++jobs}`;
  const type = name === 'b' ? 'harness.ProcessStarted' : 'harness.StepRecorded';
  const headers = { correlationId: id, causationId: null, originEndpoint: 'x', sentAt: '' };
  const envelope = { id, type, payload: JSON.stringify({ key: id }), headers };
  const job = await queue.add(type, envelope, {
    jobId: id,
    delay: 3_600_000,
    attempts: 30,
    removeOnFail: false,
  });
  const atMs = Date.now();
  const keys = [queue.toKey('delayed'), queue.toKey(id)];
  const spoiled = await redis.eval(spoilIfDelayed, 2, ...keys, id, '{not json');
  if (spoiled !== 1) {
    await job.remove().catch(() => undefined);
    return undefined;
  }
  record.garbageJobs.push({ queue: name, id, atMs });
  await job.promote();
  return `${name} job ${id} whose data is not JSON`;
};
