import type { Fault } from './fault.interface';

/**
 * Makes the sweeper dispatch 1 to 5 already dispatched outbox rows again, as after a relay crash
 * between adding the jobs and marking the rows: the kept completed job is removed first (otherwise
 * BullMQ would ignore the same job id), then `dispatched_at` goes back to NULL.
 */
export const redispatch: Fault = async ({ random, db, queues, prefix }) => {
  const outbox = db.name(`${prefix}outbox`);
  const [{ n }] = await db.query<{ n: string }>(
    `SELECT COUNT(*) AS n FROM ${outbox} WHERE dispatched_at IS NOT NULL`,
  );
  if (Number(n) === 0) return undefined;
  const rows = await db.query<{ message_id: string; origin_endpoint: string }>(
    `SELECT message_id, origin_endpoint FROM ${outbox} WHERE dispatched_at IS NOT NULL
     ORDER BY id LIMIT :limit OFFSET :offset`,
    { limit: random.between(1, 5), offset: random.between(0, Number(n) - 1) },
  );
  const reset: string[] = [];
  for (const row of rows) {
    // A's events go to B's queue, B's to C's.
    const queue = row.origin_endpoint === 'a' ? queues.b : queues.c;
    const job = await queue.getJob(row.message_id);
    if (job && (await job.isCompleted())) await job.remove();
    else if (job) continue; // still waiting or active: resetting would be a no-op
    reset.push(row.message_id);
  }
  if (reset.length === 0) return undefined;
  await db.query(`UPDATE ${outbox} SET dispatched_at = NULL WHERE message_id IN (:...reset)`, {
    reset,
  });
  return `${reset.length} dispatched outbox row(s) reset to pending`;
};
