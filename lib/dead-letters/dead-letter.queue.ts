import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { QueryRunner } from 'typeorm';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { DeadLetterNotRetriableError } from '../errors/dead-letter-not-retriable.error';
import { shortText } from '../errors/thrown-text';
import { FaultInjector } from '../faults/fault-injector';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageEnvelope, MessageHeaders } from '../interfaces/message-envelope.interface';
import { utf8Prefix } from '../messages/utf8-prefix';
import {
  DeadLetterStore,
  type RetriableRow,
  type StoredDeadLetter,
} from '../storage/dead-letter.store';
import { inOwnTransaction } from '../storage/own-transaction';
import { readablePlaceAt } from '../ordering/ordering-headers';
import { PositionStore } from '../ordering/position.store';
import { jobOptionsOf } from '../transport/job-options';
import { QueueRegistry } from '../transport/queue.registry';
import { unreadableDataOf } from '../transport/tolerant-job';
import { AmbientTransactions } from '../unit-of-work/ambient-transactions';
import type { DeadLetter, DeadLetterSummary } from './dead-letter.interface';

/** Rows retried in one transaction by `retryAll`. */
const RETRY_BATCH = 100;
const ERROR_CHARS = 4000;
const STACK_CHARS = 8000;
const HEADERS_CHARS = 16000;
const LISTED_ERROR_CHARS = 200;

/**
 * This endpoint's dead letters, kept in the dead-letter table of its database: a Redis that loses
 * its data can't take them, and they are deleted after `retention.deadLettersMs`. The worker writes
 * one before the job fails for the last time. Retrying puts the message back on the queue with a
 * fresh set of attempts; the inbox still drops it if it was somehow handled already.
 */
@Injectable()
export class DeadLetterQueue {
  private readonly logger = new Logger('ConsistentMessaging');

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly store: DeadLetterStore,
    private readonly queues: QueueRegistry,
    private readonly transactions: AmbientTransactions,
    private readonly faults: FaultInjector,
    private readonly positions: PositionStore,
  ) {}

  /** Keeps a job that failed for the last time, after `attempts` attempts, because of `error`. */
  async record(job: Job<MessageEnvelope>, error: Error, attempts: number): Promise<void> {
    await this.faults.at('beforeDeadLetter', { messageIds: [], incomingMessageId: String(job.id) });
    const unreadable = unreadableDataOf(job);
    const text = unreadable ? unreadable.raw : JSON.stringify(job.data ?? null);
    const bytes = Buffer.byteLength(text);
    const largest = await this.store.largestEnvelopeBytes();
    const truncated = bytes > largest;
    if (truncated)
      this.logger.warn(
        `Dead letter ${shortText(String(job.id))}: its ${bytes} bytes are more than the database takes in one statement (max_allowed_packet); only the first ${largest} are kept`,
      );
    const row = {
      endpoint: this.options.endpoint,
      messageId: String(job.id),
      type: (typeof job.data?.type === 'string' ? job.data.type : job.name).slice(0, 255),
      envelope: truncated ? utf8Prefix(text, largest) : text,
      envelopeBytes: bytes,
      envelopeTruncated: truncated,
      unreadable: unreadable !== undefined,
      headers: unreadable ? null : headersText(job.data),
      error: error.message.slice(0, ERROR_CHARS),
      stack: error.stack?.slice(0, STACK_CHARS) ?? null,
      attempts,
    };
    const place = unreadable
      ? undefined
      : readablePlaceAt(job.data?.headers, this.options.endpoint);
    if (!place) return this.store.write(row);
    // A released message's parked row is withdrawn with it: the dead letter holds it now.
    await inOwnTransaction(this.transactions, async (queryRunner) => {
      await this.store.write(row, queryRunner);
      await this.positions.withdraw(queryRunner, this.options.endpoint, place);
    });
  }

  count(): Promise<number> {
    return this.store.count(this.options.endpoint);
  }

  /** Dead letters newest first, ids below `before` (0: from the newest). */
  async list(page: { before?: number; limit?: number } = {}): Promise<DeadLetterSummary[]> {
    const rows = await this.store.page(this.options.endpoint, page.before ?? 0, page.limit ?? 50);
    return rows.map((row) => ({
      id: row.id,
      jobId: row.messageId,
      type: row.type,
      error: firstLine(row.error),
      attemptsMade: row.attempts,
      failedAt: row.failedAt,
      size: row.envelopeBytes,
    }));
  }

  /** One dead letter; an envelope larger than `maxBytes` comes back as a `preview` of that many bytes. */
  async get(jobId: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<DeadLetter | undefined> {
    const row = await this.store.get(this.options.endpoint, jobId, maxBytes);
    return row && toDeadLetter(row, maxBytes);
  }

  /**
   * Puts one dead letter back on the queue; false if there is no such dead letter. Throws a
   * DeadLetterNotRetriableError for one whose message was not kept whole.
   */
  async retry(jobId: string): Promise<boolean> {
    const retried = await inOwnTransaction(this.transactions, async (queryRunner) => {
      const rows = await this.store.lock(queryRunner, this.options.endpoint, [jobId]);
      if (rows.length === 0) return false;
      await this.putBack(queryRunner, rows[0]);
      await this.store.delete(queryRunner, [rows[0].id]);
      return true;
    });
    if (retried) this.logger.log(`Dead letter ${shortText(jobId)} put back on its queue`);
    return retried;
  }

  /**
   * Puts back every dead letter there is when it starts (not those that fail again meanwhile), a
   * batch per transaction. Those that can't be retried stay, and are counted.
   */
  async retryAll(): Promise<{ retried: number; notRetriable: number }> {
    const newest = await this.store.page(this.options.endpoint, 0, 1);
    const range = { after: 0, upTo: newest[0]?.id ?? 0 };
    const done = { retried: 0, notRetriable: 0 };
    while (range.after < range.upTo) {
      const batch = await inOwnTransaction(this.transactions, (queryRunner) =>
        this.retryBatch(queryRunner, range),
      );
      done.retried += batch.retried;
      done.notRetriable += batch.notRetriable;
      range.after = batch.lastId ?? range.upTo;
    }
    if (done.retried + done.notRetriable > 0)
      this.logger.log(
        `Dead letters put back on their queue: ${done.retried}; not retriable: ${done.notRetriable}`,
      );
    return done;
  }

  /** Deletes a dead letter, and its failed job if BullMQ still keeps it; false if there is none. */
  async remove(jobId: string): Promise<boolean> {
    if (!(await this.store.deleteMessage(this.options.endpoint, jobId))) return false;
    try {
      const job = await this.queue().getJob(jobId);
      if (job && (await job.isFailed())) await job.remove();
    } catch (error) {
      this.logger.warn(
        `Dead letter ${shortText(jobId)} deleted; its failed job stays in Redis: ${(error as Error).message}`,
      );
    }
    return true;
  }

  /**
   * A message handled after a retry from outside the library (bull-board's, which keeps the
   * attempts made) is no dead letter any more.
   */
  async forgetHandled(jobId: string): Promise<void> {
    await this.store.deleteMessage(this.options.endpoint, jobId);
  }

  private async retryBatch(
    queryRunner: QueryRunner,
    range: { after: number; upTo: number },
  ): Promise<{ retried: number; notRetriable: number; lastId?: number }> {
    const rows = await this.store.lockNext(queryRunner, this.options.endpoint, range, RETRY_BATCH);
    const retried: number[] = [];
    for (const row of rows) {
      try {
        await this.putBack(queryRunner, row);
        retried.push(row.id);
      } catch (error) {
        if (!(error instanceof DeadLetterNotRetriableError)) throw error;
      }
    }
    await this.store.delete(queryRunner, retried);
    return {
      retried: retried.length,
      notRetriable: rows.length - retried.length,
      lastId: rows[rows.length - 1]?.id,
    };
  }

  /**
   * Back through the normal pipeline: BullMQ's failed job is retried while BullMQ still keeps it,
   * else a job is added again from the stored message. A job in any other state is back already.
   */
  private async putBack(queryRunner: QueryRunner, row: RetriableRow): Promise<void> {
    const queue = this.queue();
    const job = await queue.getJob(row.messageId);
    if (job) {
      if (await job.isFailed())
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return;
    }
    if (row.unreadable)
      throw new DeadLetterNotRetriableError(row.messageId, 'its stored data is not JSON');
    if (row.envelopeTruncated)
      throw new DeadLetterNotRetriableError(
        row.messageId,
        'it was larger than the database could store (max_allowed_packet)',
      );
    const envelope = JSON.parse(
      await this.store.envelopeOf(queryRunner, row.id),
    ) as MessageEnvelope;
    await queue.add(
      row.type,
      envelope,
      jobOptionsOf(row.messageId, this.options.retry, this.options),
    );
  }

  private queue() {
    return this.queues.queueOf(this.options.endpoint);
  }
}

function toDeadLetter(row: StoredDeadLetter, maxBytes: number): DeadLetter {
  const truncated = row.envelopeTruncated || row.envelopeBytes > maxBytes;
  const letter: DeadLetter = {
    id: row.id,
    jobId: row.messageId,
    type: row.type,
    attemptsMade: row.attempts,
    failedAt: row.failedAt,
    size: row.envelopeBytes,
    envelope: null,
    headers: row.headers ? (JSON.parse(row.headers) as MessageHeaders) : null,
    truncated,
    error: row.error,
    stack: row.stack,
  };
  if (truncated) letter.preview = utf8Prefix(row.envelope, maxBytes);
  else if (row.unreadable) letter.rawData = row.envelope;
  else letter.envelope = JSON.parse(row.envelope) as MessageEnvelope;
  return letter;
}

/** The headers of a job's data, as JSON, when they are an object of a sane size. */
function headersText(data: unknown): string | null {
  const headers = (data as { headers?: unknown } | null)?.headers;
  if (typeof headers !== 'object' || headers === null) return null;
  const text = JSON.stringify(headers);
  return text.length <= HEADERS_CHARS ? text : null;
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0];
  return line.length <= LISTED_ERROR_CHARS ? line : `${line.slice(0, LISTED_ERROR_CHARS)}…`;
}
