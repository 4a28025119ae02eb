import { Queue } from 'bullmq';
import type { MessageEnvelope } from '../../lib';
import { queuePrefixOf, type BenchEnv } from './bench-env';
import { jobOptions, SINK_QUEUE, WORK_QUEUE, workEnvelope } from './messages';

const BULK = 1000;
const POLL_MS = 25;

/**
 * The `work` (input) and `sink` (follow-up) queues of a scenario, seen from the bench's own,
 * uncounted Redis connection: feeding, pausing, and waiting until every message went through.
 */
export class BenchQueues {
  readonly work: Queue<MessageEnvelope>;
  readonly sink: Queue<MessageEnvelope>;

  constructor(env: BenchEnv, prefix: string) {
    const options = { connection: env.redis, prefix: queuePrefixOf(prefix) };
    this.work = new Queue<MessageEnvelope>(WORK_QUEUE, options);
    this.sink = new Queue<MessageEnvelope>(SINK_QUEUE, options);
  }

  /**
   * Adds `count` Work messages numbered from `first`, in bulks of 1000, with ordering keys when
   * `keys` is given (see `workEnvelope`); returns their ids.
   */
  async feed(count: number, first = 0, keys?: number): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < count; start += BULK) {
      const jobs = [];
      for (let n = start; n < Math.min(count, start + BULK); n++) {
        const envelope = workEnvelope(first + n, keys);
        ids.push(envelope.id);
        jobs.push({ name: envelope.type, data: envelope, opts: jobOptions(envelope.id) });
      }
      await this.work.addBulk(jobs);
    }
    return ids;
  }

  /** Follow-up jobs waiting in the sink queue. */
  sinkCount(): Promise<number> {
    return this.sink.getWaitingCount();
  }

  /** Input jobs not finished yet (waiting, active, delayed). */
  async workPending(): Promise<number> {
    const counts = await this.work.getJobCounts('waiting', 'active', 'delayed');
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  /**
   * The 99th percentile of how long the last `keepCompletedJobs` (1,000) finished input jobs were
   * in their worker's hands, lock waits included, in ms.
   */
  async handlingP99Ms(): Promise<number> {
    const jobs = await this.work.getJobs(['completed'], 0, 999);
    const times = jobs
      .filter((job) => job?.finishedOn && job.processedOn)
      .map((job) => (job.finishedOn ?? 0) - (job.processedOn ?? 0))
      .sort((a, b) => a - b);
    return times.length > 0
      ? times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]
      : NaN;
  }

  workFailed(): Promise<number> {
    return this.work.getFailedCount();
  }

  /**
   * Resolves when `sinkTotal` follow-ups are in the sink queue and no input job is left; throws
   * after `timeoutMs` with what it saw.
   */
  async waitUntilDone(sinkTotal: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const sink = await this.sinkCount();
      if (sink >= sinkTotal && (await this.workPending()) === 0) return;
      if (Date.now() > deadline) {
        const failed = await this.workFailed();
        throw new Error(
          `timed out: ${sink}/${sinkTotal} follow-ups, ${await this.workPending()} input jobs ` +
            `pending, ${failed} failed`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  async close(): Promise<void> {
    await this.work.close();
    await this.sink.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A generous timeout for `count` messages: two minutes plus 10 ms per message. */
export function timeoutFor(count: number): number {
  return 120_000 + count * 10;
}
