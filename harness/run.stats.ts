import type { Queue } from 'bullmq';
import type { MessageEnvelope } from '../lib';
import type { DatabaseAdmin } from './database.admin';

export interface QueueStats {
  /**
   * Messages whose handling committed, as inbox records of the endpoint: keyed messages are
   * recorded by their key's position instead, and counted by the per-key invariant.
   */
  handled: number;
  /** Completed jobs whose pipeline found the message handled already. */
  duplicatesSuppressed: number;
  /** Extra starts of completed jobs (failed attempts retried, stalled jobs redelivered). */
  redeliveries: number;
  /** Completed jobs that stalled (worker killed or lock lost) at least once. */
  stalled: number;
  completedJobs: number;
}

/** Per-endpoint figures from the inbox and the completed jobs kept in each queue. */
export async function collectStats(
  db: DatabaseAdmin,
  prefix: string,
  queues: Queue<MessageEnvelope>[],
): Promise<Record<string, QueueStats>> {
  const inbox = await db.query<{ endpoint: string; n: string }>(
    `SELECT endpoint, COUNT(*) AS n FROM ${db.name(`${prefix}inbox`)} GROUP BY endpoint`,
  );
  const stats: Record<string, QueueStats> = {};
  for (const queue of queues) {
    const jobs = await queue.getJobs(['completed'], 0, -1);
    stats[queue.name] = {
      handled: Number(inbox.find((row) => row.endpoint === queue.name)?.n ?? 0),
      duplicatesSuppressed: jobs.filter((job) => job.returnvalue === 'duplicate').length,
      redeliveries: jobs.reduce((sum, job) => sum + Math.max(0, (job.attemptsStarted ?? 1) - 1), 0),
      stalled: jobs.filter((job) => (job.stalledCounter ?? 0) > 0).length,
      completedJobs: jobs.length,
    };
  }
  return stats;
}
