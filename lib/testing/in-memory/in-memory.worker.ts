import { Injectable } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { MessageEnvelope } from '../../interfaces/message-envelope.interface';
import type { PipelineOutcome } from '../../pipeline/consistent-message.pipeline';
import { EndpointWorker } from '../../transport/endpoint.worker';
import { InMemoryBroker } from './in-memory.broker';
import type { InMemoryJob, InMemoryQueue } from './in-memory.queue';

/**
 * The endpoint worker on the in-memory transport: the same attempts, retries, backoff and dead
 * letters as on BullMQ (EndpointWorker's own), with the queue in this process.
 */
@Injectable()
export class InMemoryWorker extends EndpointWorker {
  private queue: InMemoryQueue | undefined;
  private paused = false;
  private readonly running = new Set<Promise<void>>();
  private wakeUp: NodeJS.Timeout | undefined;

  override async start(): Promise<void> {
    this.queue = InMemoryBroker.of(this.options.queuePrefix).queue(this.options.endpoint);
    this.queue.listen(() => this.pump());
    this.pump();
  }

  override async close(): Promise<void> {
    this.queue?.listen(undefined);
    this.queue = undefined;
    clearTimeout(this.wakeUp);
    await Promise.all(this.running);
  }

  override async kill(): Promise<void> {
    await this.close();
  }

  override async pause(): Promise<void> {
    this.paused = true;
    await Promise.all(this.running);
  }

  override resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Starts as many due jobs as concurrency allows, and wakes up when the next delayed one is due. */
  private pump(): void {
    const queue = this.queue;
    if (!queue || this.paused) return;
    while (this.running.size < this.options.concurrency) {
      const job = queue.take();
      if (!job) break;
      const run: Promise<void> = this.run(job).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
    clearTimeout(this.wakeUp);
    const next = queue.nextDueInMs();
    if (next !== Infinity) this.wakeUp = setTimeout(() => this.pump(), next).unref();
  }

  private async run(job: InMemoryJob): Promise<void> {
    // Only what the worker reads of a BullMQ job: id, name, data, opts, attempts, moveToDelayed.
    const asJob = job as unknown as Job<MessageEnvelope, PipelineOutcome>;
    try {
      const outcome = await this.process(asJob, job.id);
      // As BullMQ counts them: the attempt that succeeded is made too.
      job.attemptsMade++;
      job.state = 'completed';
      job.returnvalue = outcome;
      this.reportCompletion(asJob, outcome);
    } catch (error) {
      if (error instanceof DelayedError) return void (job.state = 'delayed');
      job.attemptsMade++;
      const attempts = job.opts.attempts ?? 1;
      if (error instanceof UnrecoverableError || job.attemptsMade >= attempts) {
        job.state = 'failed';
        job.failedReason = (error as Error).message;
      } else {
        job.state = 'delayed';
        job.dueAt = Date.now() + this.backoffOf(job);
      }
      this.reportFailure(asJob, error as Error);
    }
  }

  /** BullMQ's backoff for the job's next retry. */
  private backoffOf(job: InMemoryJob): number {
    const backoff = job.opts.backoff;
    if (backoff === undefined) return 0;
    if (typeof backoff === 'number') return backoff;
    const delay = backoff.delay ?? 0;
    return backoff.type === 'exponential' ? delay * 2 ** (job.attemptsMade - 1) : delay;
  }
}
