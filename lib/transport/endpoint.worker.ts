import { Inject, Injectable, Logger } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError, type Worker } from 'bullmq';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { MalformedMessageError } from '../errors/malformed-message.error';
import { UnknownMessageTypeError } from '../errors/unknown-message-type.error';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import {
  ConsistentMessagePipeline,
  type PipelineOutcome,
} from '../pipeline/consistent-message.pipeline';
import { AttemptTimeoutError } from '../errors/attempt-timeout.error';
import { InFlightMessages } from '../metrics/in-flight-messages';
import { MessagingMetrics, type MessagingCounter } from '../metrics/messaging.metrics';
import { HandlerRegistry, type RegisteredHandler } from '../pipeline/handler.registry';
import { IdempotentMessagePipeline } from '../pipeline/idempotent-message.pipeline';
import type { IncomingMessage } from '../pipeline/incoming-message.interface';
import { MessageBatcher } from '../pipeline/message.batcher';
import { OutputLayerPublishError } from '../errors/output-layer-publish.error';
import { asError, loggedError, shortText } from '../errors/thrown-text';
import { untilAborted } from '../unit-of-work/until-aborted';
import { settlesWithin } from '../relay/settles-within';
import { DeadLetterQueue } from '../dead-letters/dead-letter.queue';
import { parseEnvelope } from './envelope.parser';
import { OncePerInterval } from './once-per-interval';
import { bullConnection } from './bull-connection';
import { TolerantWorker, unreadableDataOf } from './tolerant-job';

/**
 * Consumes this endpoint's queue. The job completes (is acknowledged) only when the pipeline has
 * committed and dispatched; a handler error fails the attempt and BullMQ retries with backoff; the
 * last failure, or bad input at once, makes the message a dead letter (see DeadLetterQueue).
 */
@Injectable()
export class EndpointWorker {
  private readonly logger = new Logger('ConsistentMessaging');
  private worker: Worker<MessageEnvelope, PipelineOutcome> | undefined;
  /** Jobs whose dead letter an attempt of this process wrote, until BullMQ reports them failed. */
  private readonly recorded = new Set<string>();
  /** Waits for a handler of an unknown type, logged once per interval per type. */
  private readonly unknownTypeLogged = new OncePerInterval(UNKNOWN_TYPE_LOG_INTERVAL_MS);

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) protected readonly options: ResolvedMessagingOptions,
    private readonly handlers: HandlerRegistry,
    private readonly pipeline: ConsistentMessagePipeline,
    private readonly batcher: MessageBatcher,
    private readonly outputPipeline: IdempotentMessagePipeline,
    private readonly metrics: MessagingMetrics,
    private readonly inFlight: InFlightMessages,
    private readonly deadLetters: DeadLetterQueue,
  ) {}

  /** Starts consuming; resolves once both of the worker's Redis connections are up. */
  async start(): Promise<void> {
    const { endpoint, redis, queuePrefix, concurrency, lockDurationMs } = this.options;
    this.worker = new TolerantWorker<MessageEnvelope, PipelineOutcome>(
      endpoint,
      (job, token) => this.process(job, token),
      {
        connection: bullConnection({ ...redis, maxRetriesPerRequest: null }),
        prefix: queuePrefix,
        concurrency,
        lockDuration: lockDurationMs,
        stalledInterval: Math.min(30000, lockDurationMs),
        // A worker lost mid-message (crash, lock lost in a Redis outage) is a failed attempt too:
        // BullMQ's default of one stall would dead-letter the message on the second.
        maxStalledCount: this.options.retry.attempts,
      },
    );
    this.worker.on('completed', (job, outcome) => this.reportCompletion(job, outcome));
    this.worker.on('failed', (job, error) => this.reportFailure(job, error));
    this.worker.on('error', (error) => this.logger.warn(`Worker "${endpoint}": ${error.message}`));
    await this.worker.waitUntilReady();
  }

  /**
   * Stops taking jobs and waits for the ones in progress, at most one lock duration: a job still
   * running then has lost its lock anyway, and BullMQ's close never returns while Redis is
   * unreachable, which must not hold up the application's shutdown.
   */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    if (!(await settlesWithin(worker.close(), this.options.lockDurationMs))) {
      this.logger.warn(
        `Worker "${this.options.endpoint}" did not close within ${this.options.lockDurationMs} ms (a handler still running, or Redis down)`,
      );
    }
  }

  /** Takes no new jobs until resume(); resolves once those in progress are done (the test kit). */
  async pause(): Promise<void> {
    await this.worker?.pause();
  }

  resume(): void {
    this.worker?.resume();
  }

  /** Stops at once without waiting: in-progress jobs stay locked and are redelivered later (tests). */
  async kill(): Promise<void> {
    await this.worker?.close(true);
    this.worker = undefined;
  }

  /**
   * One attempt. An attempt that fails for the last time writes its dead letter first, so that the
   * message is never dropped from Redis before it is kept in the database; while that write
   * fails (the database is down), the message comes back later, without using up attempts.
   */
  protected async process(
    job: Job<MessageEnvelope, PipelineOutcome>,
    token: string | undefined,
  ): Promise<PipelineOutcome> {
    try {
      return await this.attempt(job, token);
    } catch (error) {
      if (error instanceof DelayedError || !isLastAttempt(job, error)) throw error;
      return this.deadLetter(job, token, error as Error);
    }
  }

  private async deadLetter(
    job: Job<MessageEnvelope>,
    token: string | undefined,
    error: Error,
  ): Promise<never> {
    try {
      await this.deadLetters.record(job, error, job.attemptsMade + 1);
      this.recorded.add(String(job.id));
    } catch (writeError) {
      if (token === undefined) throw error;
      const delay = Math.min(MAX_UNKNOWN_TYPE_DELAY_MS, this.backoffMs(job.attemptsStarted));
      this.logger.warn(
        `Dead letter ${shortText(String(job.id))} could not be written (${loggedError(writeError as Error)}); the message comes back in ${delay} ms`,
      );
      await job.moveToDelayed(Date.now() + delay, token);
      throw new DelayedError();
    }
    throw error;
  }

  private async attempt(
    job: Job<MessageEnvelope, PipelineOutcome>,
    token: string | undefined,
  ): Promise<PipelineOutcome> {
    let parsed: ReturnType<typeof parseEnvelope>;
    try {
      parsed = parseEnvelope(job.data, unreadableDataOf(job));
    } catch (error) {
      throw new UnrecoverableError((error as MalformedMessageError).message);
    }
    const handlers = this.handlers.handlersOf(parsed.envelope.type);
    if (!handlers) return this.waitForHandler(job, token, parsed.envelope.type);
    const deadline = this.deadlineFor(parsed.envelope, handlers);
    const end = this.inFlight.begin();
    const startedAt = Date.now();
    const handling = this.handle({ ...parsed, handlers, signal: deadline.signal });
    // In progress until the handlers really return, past the deadline too: a hung one shows.
    handling.then(end, end);
    if (this.metrics.observed) {
      const observe = () =>
        this.metrics.observe('handlingMs', parsed.envelope.type, Date.now() - startedAt);
      handling.then(observe, observe);
    }
    try {
      return await untilAborted(handling, deadline.signal);
    } catch (error) {
      // Retrying can't make an output-layer handler stop publishing.
      if (error instanceof OutputLayerPublishError) throw new UnrecoverableError(error.message);
      throw asError(error);
    } finally {
      deadline.clear();
    }
  }

  /**
   * A type this process has no handler for may be one that a newer instance of the endpoint handles
   * (a rolling deploy): the job waits, with the endpoint's backoff and without using up attempts,
   * until `unknownTypeWaitMs` after it was sent; then it is dead-lettered.
   */
  private async waitForHandler(job: Job, token: string | undefined, type: string): Promise<never> {
    const unknown = new UnknownMessageTypeError(this.options.endpoint, type);
    const left = job.timestamp + this.options.unknownTypeWaitMs - Date.now();
    if (left <= 0 || token === undefined) throw new UnrecoverableError(unknown.message);
    const delay = Math.min(left, MAX_UNKNOWN_TYPE_DELAY_MS, this.backoffMs(job.attemptsStarted));
    if (this.unknownTypeLogged.due(type))
      this.logger.warn(
        `${unknown.message} Waiting up to ${left} ms for an instance that has one (logged once a minute per type).`,
      );
    await job.moveToDelayed(Date.now() + delay, token);
    throw new DelayedError();
  }

  /** The endpoint's backoff before the n-th retry. */
  private backoffMs(attempt: number): number {
    const { type, delay } = this.options.retry.backoff;
    return type === 'fixed' ? delay : delay * 2 ** Math.max(0, attempt - 1);
  }

  /** Aborts with an AttemptTimeoutError naming the message and its handlers once the attempt's time is up. */
  private deadlineFor(
    envelope: MessageEnvelope,
    handlers: RegisteredHandler[],
  ): { signal: AbortSignal; clear(): void } {
    const controller = new AbortController();
    const timeoutMs = this.options.attemptTimeoutMs;
    const names = handlers.map((handler) => handler.name);
    const timer = setTimeout(
      () => controller.abort(new AttemptTimeoutError(envelope.id, envelope.type, names, timeoutMs)),
      timeoutMs,
    );
    return { signal: controller.signal, clear: () => clearTimeout(timer) };
  }

  private handle(message: IncomingMessage): Promise<PipelineOutcome> {
    if (message.handlers[0].layer === 'output') return this.outputPipeline.handle(message);
    return this.options.batchSize > 1
      ? this.batcher.handle(message)
      : this.pipeline.handle(message);
  }

  protected reportCompletion(job: Job<MessageEnvelope>, outcome: PipelineOutcome): void {
    this.metrics.increment(COUNTER_OF[outcome]);
    // Completed with every attempt used up: retried from outside (bull-board), or on its last.
    if (job.attemptsMade >= (job.opts.attempts ?? 1))
      this.deadLetters
        .forgetHandled(String(job.id))
        .catch((error: Error) =>
          this.logger.warn(
            `Dead letter ${shortText(String(job.id))} not deleted: ${loggedError(error)}`,
          ),
        );
  }

  protected reportFailure(job: Job<MessageEnvelope> | undefined, error: Error): void {
    if (!job) return;
    const final =
      error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    // Failed without an attempt of this process ending (stalled too often): kept now.
    if (final && !this.recorded.delete(String(job.id)))
      this.deadLetters
        .record(job, error, job.attemptsMade)
        .catch((writeError: Error) =>
          this.logger.error(
            `Dead letter ${shortText(String(job.id))} is only in BullMQ's failed set: ${loggedError(writeError)}`,
          ),
        );
    const type = typeof job.data?.type === 'string' ? job.data.type : job.name;
    const what = `message ${shortText(String(job.id))} (${shortText(type)}) on "${this.options.endpoint}"`;
    this.metrics.increment(final ? 'deadLettered' : 'failedAttempts');
    if (final)
      this.logger.error(
        `Dead letter: ${what} after ${job.attemptsMade} attempt(s): ${loggedError(error)}`,
      );
    else
      this.logger.warn(
        `Attempt ${job.attemptsMade} of ${what} failed, will retry: ${loggedError(error)}`,
      );
  }
}

const COUNTER_OF: Record<PipelineOutcome, MessagingCounter> = {
  handled: 'handled',
  duplicate: 'duplicates',
  parked: 'parked',
};

/** Whether this failure leaves the job failed for good: no attempts left, or not retriable. */
function isLastAttempt(job: Job, error: unknown): boolean {
  return error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** A type this process has no handler for is logged at most once per this interval. */
const UNKNOWN_TYPE_LOG_INTERVAL_MS = 60000;

/** Longest wait between two looks for a handler of a type this process does not have. */
const MAX_UNKNOWN_TYPE_DELAY_MS = 30000;
