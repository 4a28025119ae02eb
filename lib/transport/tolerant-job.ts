import { Job, type JobJsonRaw, type MinimalQueue, Queue, Worker } from 'bullmq';

/** Why a job's stored data could not be read, and the data as it is stored. */
export interface UnreadableJobData {
  raw: string;
  problem: string;
}

const unreadable = new WeakMap<Job, UnreadableJobData>();

/**
 * A BullMQ job that can be read even when its stored data or options are not JSON (written into
 * Redis by something other than BullMQ). BullMQ's own Job throws before any processor runs, so
 * such a job would cycle active → stalled → wait forever instead of becoming a dead letter.
 */
export class TolerantJob<T = unknown, R = unknown, N extends string = string> extends Job<T, R, N> {
  static override fromJSON<D, V, M extends string>(
    queue: MinimalQueue,
    json: JobJsonRaw,
    jobId?: string,
  ): Job<D, V, M> {
    try {
      return super.fromJSON<D, V, M>(queue, json, jobId);
    } catch (error) {
      const job = super.fromJSON<D, V, M>(
        queue,
        { ...json, data: '{}', opts: '{}', progress: '0' },
        jobId,
      );
      unreadable.set(job, { raw: String(json.data ?? ''), problem: (error as Error).message });
      return job;
    }
  }
}

/** What was wrong with a job's stored data, if it could not be read. */
export function unreadableDataOf(job: Job): UnreadableJobData | undefined {
  return unreadable.get(job);
}

/** A worker that reads its jobs with TolerantJob. */
export class TolerantWorker<T, R, N extends string = string> extends Worker<T, R, N> {
  protected override get Job(): typeof Job {
    return TolerantJob;
  }
}

/** A queue that reads its jobs (dead letters) with TolerantJob. */
export class TolerantQueue<T> extends Queue<T> {
  protected override get Job(): typeof Job {
    return TolerantJob;
  }
}
