import { Job, Queue, Worker } from 'bullmq';

/** Why a job's stored data could not be read, and the data as it is stored. */
export interface UnreadableJobData {
  raw: string;
  problem: string;
}

const unreadable = new WeakMap<Job, UnreadableJobData>();

/** What `Job.fromJSON` reads: the raw hash on BullMQ 5, a decoded form on 6 (options parsed). */
type StoredJob = Parameters<typeof Job.fromJSON>[1];

/** The stored job with nothing left to parse: empty data, options and progress in its own form. */
function blanked(json: StoredJob): StoredJob {
  const { opts, progress } = json as { opts: unknown; progress: unknown };
  return {
    ...json,
    data: '{}',
    opts: typeof opts === 'string' ? '{}' : {},
    progress: typeof progress === 'string' ? '0' : 0,
  } as StoredJob;
}

/**
 * A BullMQ job that can be read even when its stored data or options are not JSON (written into
 * Redis by something other than BullMQ). BullMQ's own Job throws before any processor runs, so
 * such a job would cycle active → stalled → wait forever instead of becoming a dead letter.
 */
export class TolerantJob extends Job {
  static override fromJSON<T, R, N extends string>(
    ...[queue, json, jobId]: Parameters<typeof Job.fromJSON>
  ): Job<T, R, N> {
    try {
      return super.fromJSON<T, R, N>(queue, json, jobId);
    } catch (error) {
      const job = super.fromJSON<T, R, N>(queue, blanked(json), jobId);
      unreadable.set(job, { raw: String(json.data ?? ''), problem: (error as Error).message });
      return job;
    }
  }
}

/** TolerantJob where BullMQ expects its Job class (BullMQ 6 adds a progress type parameter). */
const TOLERANT_JOB = TolerantJob as unknown as typeof Job;

/** What was wrong with a job's stored data, if it could not be read. */
export function unreadableDataOf(job: Job): UnreadableJobData | undefined {
  return unreadable.get(job);
}

/** A worker that reads its jobs with TolerantJob. */
export class TolerantWorker<T, R, N extends string = string> extends Worker<T, R, N> {
  protected override get Job(): typeof Job {
    return TOLERANT_JOB;
  }
}

/** A queue that reads its jobs (dead letters) with TolerantJob. */
export class TolerantQueue<T> extends Queue<T> {
  protected override get Job(): typeof Job {
    return TOLERANT_JOB;
  }
}
