import type { Fault } from './fault.interface';

let copies = 0;

/** Re-adds 1 to 5 already completed messages to their queue under a new job id: duplicates. */
export const duplicateJob: Fault = async ({ random, queues }) => {
  const queue = queues[random.pick(['b', 'c'] as const)];
  const completed = await queue.getCompletedCount();
  if (completed === 0) return undefined;
  const start = random.between(0, completed - 1);
  const jobs = await queue.getJobs(['completed'], start, start + random.between(0, 4));
  for (const job of jobs) {
    await queue.add(job.name, job.data, { ...job.opts, jobId: `dup-${++copies}-${job.id}` });
  }
  return `${jobs.length} completed job(s) of ${queue.name} re-added under new ids`;
};
