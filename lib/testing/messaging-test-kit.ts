import type { INestApplicationContext } from '@nestjs/common';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import { messageTypeOfInstance } from '../messages/message-type';
import { jobOptionsOf } from '../transport/job-options';
import { ConsistencyCheck } from './consistency-check';
import { ConsistencyViolationError, describeReport } from './consistency-violation.error';
import { EndpointUnderTest } from './endpoint-under-test';
import { MessagingNotQuietError } from './messaging-not-quiet.error';
import type {
  ConsistencyOptions,
  ConsistencyReport,
  Delivery,
  DeliverOptions,
  DrainOptions,
  Handling,
  RecordedMessage,
  TestMessageOptions,
} from './test-kit.interfaces';

const DEFAULT_TIMEOUT_MS = 30000;
const POLL_MS = 20;

/**
 * Drives and reads the messaging of one or more started Nest applications (each imports
 * ConsistentMessagingModule; the first is the default endpoint): deliver messages, read what they
 * recorded, wait until everything is handled, and check a handler under every fault.
 */
export class MessagingTestKit {
  private readonly endpoints: EndpointUnderTest[];

  constructor(...apps: INestApplicationContext[]) {
    if (apps.length === 0)
      throw new TypeError('MessagingTestKit needs at least one started application');
    this.endpoints = apps.map((app) => new EndpointUnderTest(app));
    const prefixes = new Set(this.endpoints.map((endpoint) => endpoint.options.queuePrefix));
    if (prefixes.size > 1)
      throw new TypeError(
        `The kit's applications have different queue prefixes (${[...prefixes].map((p) => `"${p}"`).join(', ')}), ` +
          'so they cannot reach each other: give them one queuePrefix',
      );
  }

  /** The envelope the kit would deliver for a message. */
  envelopeOf(message: object, options: TestMessageOptions = {}): MessageEnvelope {
    return this.endpointFor(message, options.endpoint).envelopeOf(message, options);
  }

  /**
   * One attempt at a message in this process, as the worker makes it, without its queue: the
   * outcome (a failure is returned, not thrown) and what the endpoint recorded caused by it.
   */
  async handle(
    message: object | MessageEnvelope,
    options: TestMessageOptions = {},
  ): Promise<Handling> {
    const endpoint = this.endpointFor(message, options.endpoint);
    return endpoint.handle(this.asEnvelope(endpoint, message, options));
  }

  /**
   * Delivers a message through the endpoint's queue and worker, retries included, and waits until
   * it was handled or dead-lettered.
   */
  async deliver(
    message: object | MessageEnvelope,
    options: DeliverOptions = {},
  ): Promise<Delivery> {
    const endpoint = this.endpointFor(message, options.endpoint);
    const envelope = this.asEnvelope(endpoint, message, options);
    endpoint.handlersFor(envelope.type);
    const queue = endpoint.queues.queueOf(endpoint.name);
    await queue.add(
      envelope.type,
      envelope,
      jobOptionsOf(envelope.id, endpoint.options.retry, endpoint.options),
    );
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    for (;;) {
      const state = await queue.getJobState(envelope.id);
      if (state === 'completed' || state === 'failed') {
        const job = await queue.getJob(envelope.id);
        return {
          outcome: state === 'failed' ? 'dead-lettered' : (job?.returnvalue as Delivery['outcome']),
          attempts: job?.attemptsMade ?? 0,
          ...(state === 'failed' ? { error: job?.failedReason } : {}),
          recorded: await endpoint.recordedBy(envelope.id),
        };
      }
      if (state === 'unknown')
        throw new TypeError(
          `The job of message ${envelope.id} left the queue before deliver() saw how it ended: ` +
            'keep completed and failed jobs in tests (keepCompletedJobs and keepFailedJobs above 0)',
        );
      if (Date.now() > deadline)
        throw new MessagingNotQuietError([
          `message ${envelope.id} (${envelope.type}) on "${endpoint.name}" is ${state}`,
        ]);
      await sleep(POLL_MS);
    }
  }

  /** Every message the endpoint recorded in its outbox, oldest first. */
  async recorded(options: { endpoint?: string } = {}): Promise<RecordedMessage[]> {
    return this.endpoint(options.endpoint).recorded();
  }

  /**
   * Waits until nothing is pending anywhere in the kit's applications: no outbox row waits for
   * dispatch, no job waits, runs or is delayed in their queues, no message is in progress. Throws
   * MessagingNotQuietError listing what is still pending after `timeoutMs`.
   */
  async drain(options: DrainOptions = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    let quietOnce = false;
    for (;;) {
      const pending = await this.pending();
      // Quiet twice in a row: a job between two states is seen in neither.
      if (pending.length === 0 && quietOnce) return;
      quietOnce = pending.length === 0;
      if (pending.length > 0 && Date.now() > deadline) throw new MessagingNotQuietError(pending);
      await sleep(POLL_MS);
    }
  }

  /**
   * Runs the endpoint's handler for one message under every fault the library knows, each from
   * the same fresh state, and compares what each run left (rows, outgoing messages, effects) with
   * one clean delivery. Empties the compared tables and the library's outbox, inbox and dead-letter
   * tables before each run: a test database only.
   */
  async verifyConsistency(
    message: object,
    options: ConsistencyOptions = {},
  ): Promise<ConsistencyReport> {
    const endpoint = this.endpointFor(message, options.endpoint);
    return new ConsistencyCheck(endpoint, message, options).run();
  }

  /** verifyConsistency, throwing ConsistencyViolationError with every difference when there is one. */
  async assertConsistent(
    message: object,
    options: ConsistencyOptions = {},
  ): Promise<ConsistencyReport> {
    const report = await this.verifyConsistency(message, options);
    if (!report.consistent) throw new ConsistencyViolationError(report);
    return report;
  }

  /** A report as text, one line per scenario and difference. */
  static describe(report: ConsistencyReport): string {
    return describeReport(report);
  }

  /** The named endpoint; else the first of the kit's that handles the message's type. */
  private endpointFor(message: object, name?: string): EndpointUnderTest {
    if (name !== undefined) return this.endpoint(name);
    const type = isEnvelope(message) ? message.type : messageTypeOfInstance(message);
    return this.endpoints.find((endpoint) => endpoint.layerOf(type)) ?? this.endpoints[0];
  }

  private endpoint(name?: string): EndpointUnderTest {
    if (name === undefined) return this.endpoints[0];
    const found = this.endpoints.find((endpoint) => endpoint.name === name);
    if (!found)
      throw new TypeError(
        `No application of this kit is endpoint "${name}" (they are ${this.endpoints.map((e) => `"${e.name}"`).join(', ')})`,
      );
    return found;
  }

  private asEnvelope(
    endpoint: EndpointUnderTest,
    message: object | MessageEnvelope,
    options: TestMessageOptions,
  ): MessageEnvelope {
    return isEnvelope(message) ? message : endpoint.envelopeOf(message, options);
  }

  private async pending(): Promise<string[]> {
    const pending: string[] = [];
    for (const endpoint of this.endpoints) {
      const outbox = await endpoint.outbox.countPending();
      if (outbox > 0)
        pending.push(`${outbox} message(s) in the outbox of "${endpoint.name}" wait for dispatch`);
      if (endpoint.inFlight.count > 0)
        pending.push(`${endpoint.inFlight.count} message(s) in progress in "${endpoint.name}"`);
    }
    // The kit's own queues: a job for an endpoint outside the kit has nothing here to handle it.
    const { queues } = this.endpoints[0];
    for (const { name } of this.endpoints) {
      const counts = await queues
        .queueOf(name)
        .getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const busy = Object.entries(counts).filter(([, count]) => count > 0);
      if (busy.length > 0)
        pending.push(
          `queue "${name}": ${busy.map(([state, count]) => `${count} ${state}`).join(', ')}`,
        );
    }
    return pending;
  }
}

function isEnvelope(message: object): message is MessageEnvelope {
  const candidate = message as Partial<MessageEnvelope>;
  return (
    typeof candidate.id === 'string' &&
    typeof candidate.type === 'string' &&
    typeof candidate.payload === 'string' &&
    typeof candidate.headers === 'object'
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
