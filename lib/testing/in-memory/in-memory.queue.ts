import type { JobsOptions, JobType } from 'bullmq';
import type { MessageEnvelope } from '../../interfaces/message-envelope.interface';

type JobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';

/** A job as the endpoint worker reads it (the part of BullMQ's Job it uses). */
export class InMemoryJob {
  attemptsMade = 0;
  attemptsStarted = 0;
  readonly timestamp = Date.now();
  state: JobState = 'waiting';
  returnvalue: unknown;
  failedReason: string | undefined;
  /** When a delayed job is due. */
  dueAt = 0;

  constructor(
    private readonly queue: InMemoryQueue,
    readonly id: string,
    readonly name: string,
    readonly data: MessageEnvelope,
    readonly opts: JobsOptions,
  ) {}

  /** What BullMQ's `moveToDelayed` does for the worker: back later, no attempt used up. */
  async moveToDelayed(timestamp: number): Promise<void> {
    this.dueAt = timestamp;
  }

  async isFailed(): Promise<boolean> {
    return this.state === 'failed';
  }

  /** A dead letter's retry: a fresh set of attempts. */
  async retry(): Promise<void> {
    Object.assign(this, { state: 'waiting', attemptsMade: 0, attemptsStarted: 0 });
    this.queue.notify();
  }

  async remove(): Promise<void> {
    await this.queue.remove(this.id);
  }
}

/**
 * One endpoint's queue in this process: jobs by id (adding an id it holds is a no-op, as in
 * BullMQ), handed to the endpoint's in-memory worker when one listens.
 */
export class InMemoryQueue {
  private readonly jobs = new Map<string, InMemoryJob>();
  private listener: (() => void) | undefined;

  constructor(readonly name: string) {}

  async add(name: string, data: MessageEnvelope, opts: JobsOptions = {}): Promise<InMemoryJob> {
    const id = opts.jobId ?? data.id;
    const held = this.jobs.get(id);
    if (held) return held;
    const job = new InMemoryJob(this, id, name, data, opts);
    this.jobs.set(id, job);
    this.notify();
    return job;
  }

  async getJob(id: string): Promise<InMemoryJob | undefined> {
    return this.jobs.get(id);
  }

  async getJobState(id: string): Promise<JobState | 'unknown'> {
    return this.jobs.get(id)?.state ?? 'unknown';
  }

  async getJobCounts(...types: JobType[]): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const type of types) counts[type] = 0;
    for (const job of this.jobs.values()) if (job.state in counts) counts[job.state]++;
    return counts;
  }

  async remove(id: string): Promise<number> {
    return this.jobs.delete(id) ? 1 : 0;
  }

  /** The next job due, if any, made active. */
  take(): InMemoryJob | undefined {
    const now = Date.now();
    for (const job of this.jobs.values()) {
      const due = job.state === 'waiting' || (job.state === 'delayed' && job.dueAt <= now);
      if (!due) continue;
      job.state = 'active';
      job.attemptsStarted++;
      return job;
    }
    return undefined;
  }

  /** How long until the next delayed job is due (Infinity when none is). */
  nextDueInMs(): number {
    let next = Infinity;
    for (const job of this.jobs.values())
      if (job.state === 'delayed') next = Math.min(next, job.dueAt - Date.now());
    return Math.max(0, next);
  }

  /** Called whenever a job becomes waiting; one listener, the endpoint's worker. */
  listen(listener: (() => void) | undefined): void {
    this.listener = listener;
  }

  notify(): void {
    this.listener?.();
  }

  async close(): Promise<void> {
    this.listener = undefined;
  }
}
