import type { INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
} from '../consistent-messaging.constants';
import { InvalidMessageError } from '../errors/invalid-message.error';
import { FaultInjector } from '../faults/fault-injector';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import { newMessageId } from '../messages/message-id';
import {
  customHeadersProblem,
  reservedKeyProblem,
  serializedShape,
} from '../messages/message-rules';
import { messageTypeOfInstance } from '../messages/message-type';
import { InFlightMessages } from '../metrics/in-flight-messages';
import { OutboxStore } from '../outbox/outbox.store';
import {
  ConsistentMessagePipeline,
  type PipelineOutcome,
} from '../pipeline/consistent-message.pipeline';
import {
  HandlerRegistry,
  type HandlerLayer,
  type RegisteredHandler,
} from '../pipeline/handler.registry';
import { IdempotentMessagePipeline } from '../pipeline/idempotent-message.pipeline';
import { OutboxRelay } from '../relay/outbox.relay';
import { EndpointWorker } from '../transport/endpoint.worker';
import { parseEnvelope } from '../transport/envelope.parser';
import { QueueRegistry } from '../transport/queue.registry';
import type { Handling, RecordedMessage, TestMessageOptions } from './test-kit.interfaces';
import { UnhandledTestMessageError } from './unhandled-test-message.error';

/** The parts of one application's messaging the test kit drives. */
export class EndpointUnderTest {
  readonly options: ResolvedMessagingOptions;
  readonly dataSource: DataSource;
  readonly faults: FaultInjector;
  readonly outbox: OutboxStore;
  readonly queues: QueueRegistry;
  readonly worker: EndpointWorker;
  readonly inFlight: InFlightMessages;
  private readonly handlers: HandlerRegistry;
  private readonly pipeline: ConsistentMessagePipeline;
  private readonly outputPipeline: IdempotentMessagePipeline;
  private readonly relay: OutboxRelay;

  constructor(app: INestApplicationContext) {
    const get = <T>(token: unknown): T => app.get<T>(token as never, { strict: false });
    this.options = get(CONSISTENT_MESSAGING_OPTIONS);
    this.dataSource = get(MESSAGING_DATA_SOURCE);
    this.faults = get(FaultInjector);
    this.outbox = get(OutboxStore);
    this.queues = get(QueueRegistry);
    this.worker = get(EndpointWorker);
    this.inFlight = get(InFlightMessages);
    this.handlers = get(HandlerRegistry);
    this.pipeline = get(ConsistentMessagePipeline);
    this.outputPipeline = get(IdempotentMessagePipeline);
    this.relay = get(OutboxRelay);
  }

  get name(): string {
    return this.options.endpoint;
  }

  /** The envelope a sender's relay would put in the job for this message. */
  envelopeOf(message: object, options: TestMessageOptions = {}): MessageEnvelope {
    const serialized = serializedShape(message);
    const problem =
      reservedKeyProblem(message) ?? serialized.problem ?? customHeadersProblem(options.headers);
    if (problem) throw new InvalidMessageError(problem);
    const id = options.messageId ?? newMessageId();
    return {
      id,
      type: messageTypeOfInstance(message),
      payload: JSON.stringify(serialized.shape),
      headers: {
        ...options.headers,
        correlationId: id,
        causationId: null,
        originEndpoint: 'test-kit',
        sentAt: new Date().toISOString(),
      },
    };
  }

  /** One attempt, in this process, as the worker makes it; never throws for the handler's failure. */
  async handle(envelope: MessageEnvelope): Promise<Handling> {
    try {
      const outcome = await this.attempt(envelope);
      return { outcome, recorded: await this.recordedBy(envelope.id) };
    } catch (error) {
      return {
        outcome: 'failed',
        error: error as Error,
        recorded: await this.recordedBy(envelope.id),
      };
    }
  }

  /** One attempt that throws when it fails; waits for what it dispatches in the background. */
  async attempt(envelope: MessageEnvelope): Promise<PipelineOutcome> {
    const { payload } = parseEnvelope(envelope);
    const handlers = this.handlersFor(envelope.type);
    const message = { envelope, payload, handlers, signal: new AbortController().signal };
    try {
      return handlers[0].layer === 'output'
        ? await this.outputPipeline.handle(message)
        : await this.pipeline.handle(message);
    } finally {
      await this.relay.settle(this.options.lockDurationMs);
    }
  }

  /** The layer of the endpoint's handlers of a type (all are in one), if it has any. */
  layerOf(type: string): HandlerLayer | undefined {
    return this.handlers.handlersOf(type)?.[0].layer;
  }

  /** The endpoint's handlers of a type; UnhandledTestMessageError when it has none. */
  handlersFor(type: string): RegisteredHandler[] {
    const handlers = this.handlers.handlersOf(type);
    if (!handlers) throw new UnhandledTestMessageError(this.name, type, this.handlers.types());
    return handlers;
  }

  /** Every message in this endpoint's outbox, oldest first. */
  async recorded(): Promise<RecordedMessage[]> {
    return (await this.outbox.findAll()).map((message) => ({
      ...message,
      payload: JSON.parse(message.payload) as unknown,
    }));
  }

  /** What the endpoint recorded while handling one message. */
  async recordedBy(messageId: string): Promise<RecordedMessage[]> {
    return (await this.recorded()).filter(
      (message) =>
        message.headers.causationId === messageId && message.headers.originEndpoint === this.name,
    );
  }
}
