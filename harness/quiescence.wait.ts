import type { Queue } from 'bullmq';
import type { MessageEnvelope } from '../lib';
import type { DatabaseAdmin } from './database.admin';

/** An outbox row still to dispatch: neither dispatched nor flagged as undeliverable. */
export const PENDING_ROW = 'dispatched_at IS NULL AND dispatch_error IS NULL';

/**
 * Waits until no outbox row is pending and no queue has waiting, active, delayed or prioritized
 * jobs, three polls in a row. Resolves with undefined when quiet, or what it still waited for.
 */
export async function waitForQuiescence(
  db: DatabaseAdmin,
  prefix: string,
  queues: Queue<MessageEnvelope>[],
  timeoutMs: number,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let quietPolls = 0;
  let busy = 'nothing polled yet';
  while (Date.now() < deadline) {
    busy = await whatIsBusy(db, prefix, queues).catch((error: Error) => error.message);
    quietPolls = busy === '' ? quietPolls + 1 : 0;
    if (quietPolls >= 3) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return busy;
}

async function whatIsBusy(
  db: DatabaseAdmin,
  prefix: string,
  queues: Queue<MessageEnvelope>[],
): Promise<string> {
  const [{ pending }] = await db.query<{ pending: string }>(
    `SELECT COUNT(*) AS pending FROM ${db.name(`${prefix}outbox`)} WHERE ${PENDING_ROW}`,
  );
  if (Number(pending) > 0) return `${pending} pending outbox row(s)`;
  for (const queue of queues) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(counts).some((n) => n > 0))
      return `queue ${queue.name}: ${JSON.stringify(counts)}`;
  }
  return '';
}
