import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import { QueueRegistry } from '../transport/queue.registry';
import { unreadableDataOf } from '../transport/tolerant-job';
import type { DeadLetter } from './dead-letter.interface';

/**
 * This endpoint's dead letters: the jobs in its BullMQ failed set. Retrying moves one back to the
 * queue with a fresh set of attempts; the inbox still drops it if it was somehow handled already.
 */
@Injectable()
export class DeadLetterQueue {
  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly queues: QueueRegistry,
  ) {}

  async count(): Promise<number> {
    return this.queue().getFailedCount();
  }

  /** Dead letters, newest first. */
  async list(offset = 0, limit = 50): Promise<DeadLetter[]> {
    const jobs = await this.queue().getFailed(offset, offset + limit - 1);
    return jobs.map(toDeadLetter);
  }

  async get(jobId: string): Promise<DeadLetter | undefined> {
    const job = await this.queue().getJob(jobId);
    return job && (await job.isFailed()) ? toDeadLetter(job) : undefined;
  }

  /** Returns false if there is no such dead letter. */
  async retry(jobId: string): Promise<boolean> {
    const job = await this.queue().getJob(jobId);
    if (!job || !(await job.isFailed())) return false;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }

  async retryAll(): Promise<void> {
    await this.queue().retryJobs({ state: 'failed' });
  }

  async remove(jobId: string): Promise<boolean> {
    const job = await this.queue().getJob(jobId);
    if (!job || !(await job.isFailed())) return false;
    await job.remove();
    return true;
  }

  private queue() {
    return this.queues.queueOf(this.options.endpoint);
  }
}

function toDeadLetter(job: Job<MessageEnvelope>): DeadLetter {
  const unreadable = unreadableDataOf(job);
  return {
    jobId: String(job.id),
    envelope: job.data,
    ...(unreadable && { rawData: unreadable.raw }),
    error: job.failedReason,
    stacktrace: job.stacktrace ?? [],
    attemptsMade: job.attemptsMade,
    failedAt: job.finishedOn ? new Date(job.finishedOn) : null,
  };
}
