import type { EntityManager, QueryRunner } from 'typeorm';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import type { PublishOptions } from '../interfaces/publish-options.interface';
import { newMessageId } from '../messages/message-id';
import { messageTypeOfInstance } from '../messages/message-type';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { type Submission, submissionMessageId } from './submission';

/**
 * One transaction and the messages recorded in it. Messages are buffered here and written to the
 * outbox by the outbox subscriber just before the outermost COMMIT.
 */
export class UnitOfWork {
  /** Recorded, not yet written to the outbox. */
  readonly pending: OutboxMessage[] = [];
  /** Written to the outbox in this transaction; dispatched once it commits. */
  readonly written: OutboxMessage[] = [];
  /** Set right before the outermost commit, so savepoint releases do not flush. */
  committing = false;
  private started = false;
  /** For each open savepoint, how many messages were pending when it began. */
  private readonly savepoints: number[] = [];
  /** Every incoming message this unit handles: one, or several in a batch. */
  readonly handling: MessageEnvelope[] = [];
  private current: MessageEnvelope | null = null;
  private correlationId: string | null = null;
  private submission: Submission | undefined;
  private derivedIds = 0;

  constructor(
    readonly queryRunner: QueryRunner,
    readonly endpoint: string,
    incoming: MessageEnvelope | null,
  ) {
    if (incoming) this.beginMessage(incoming);
  }

  /** The incoming message being handled: in a batch, each message in turn. */
  get incoming(): MessageEnvelope | null {
    return this.current;
  }

  /** Messages recorded from now on are caused by `incoming` and carry its correlation id. */
  beginMessage(incoming: MessageEnvelope): void {
    this.current = incoming;
    this.handling.push(incoming);
    this.correlationId = incoming.headers.correlationId ?? null;
    this.submission = undefined;
    this.derivedIds = 0;
  }

  get manager(): EntityManager {
    return this.queryRunner.manager;
  }

  /** Buffers a message; returns its id. */
  record(message: object, destination: string | null, options: PublishOptions = {}): string {
    if (destination !== null && (typeof destination !== 'string' || destination.trim() === '')) {
      throw new TypeError(
        'send() needs the name of the destination endpoint as its first argument',
      );
    }
    const type = messageTypeOfInstance(message);
    const id = options.messageId ?? this.nextId();
    this.correlationId ??= id;
    this.pending.push({
      id,
      type,
      destination,
      payload: JSON.stringify(message),
      headers: {
        ...options.headers,
        correlationId: this.correlationId,
        causationId: this.incoming?.id ?? null,
        originEndpoint: this.endpoint,
        sentAt: new Date().toISOString(),
      },
    });
    return id;
  }

  /** Messages published from now on get ids derived from the submission's business key. */
  deriveIdsFrom(submission: Submission): void {
    this.submission = submission;
  }

  private nextId(): string {
    return this.submission
      ? submissionMessageId(this.submission, this.derivedIds++)
      : newMessageId();
  }

  /** A transaction or savepoint began on this unit's connection. */
  transactionStarted(): void {
    if (this.started) this.savepoints.push(this.pending.length);
    this.started = true;
  }

  /** A savepoint was released: its messages now belong to the enclosing level. */
  savepointReleased(): void {
    this.savepoints.pop();
  }

  /** A savepoint was rolled back: the messages recorded in it are discarded with its changes. */
  savepointRolledBack(): void {
    const mark = this.savepoints.pop();
    if (mark !== undefined) this.pending.splice(mark);
  }

  /** Moves the buffered messages to `written`, returning them for the outbox insert. */
  takePending(): OutboxMessage[] {
    const taken = this.pending.splice(0, this.pending.length);
    this.written.push(...taken);
    return taken;
  }
}
