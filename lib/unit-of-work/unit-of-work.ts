import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { InvalidMessageError } from '../errors/invalid-message.error';
import { NoActiveUnitOfWorkError } from '../errors/no-active-unit-of-work.error';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import type { PublishOptions } from '../interfaces/publish-options.interface';
import { newMessageId } from '../messages/message-id';
import {
  customHeadersProblem,
  endpointNameProblem,
  MAX_NAME_LENGTH,
  messageIdProblem,
  reservedKeyProblem,
  serializedShape,
} from '../messages/message-rules';
import { declaredOrderingKeyOf } from '../messages/declared-ordering-key';
import { messageClassOfInstance, messageTypeOf } from '../messages/message-type';
import {
  ORDERING_KEY_HEADER,
  orderingKeyProblem,
  withoutOrderingHeaders,
} from '../ordering/ordering-headers';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { type Submission, submissionMessageId } from './submission';

/** What recorded messages are caused by, and the business process they belong to. */
export interface MessageOrigin {
  readonly incoming: MessageEnvelope | null;
  /** The incoming message's; else the id of the first message recorded. */
  correlationId: string | null;
}

/**
 * Who opened the transaction, and so who dispatches its messages after COMMIT: the library (a
 * handler or an @Outbox() method, dispatched by its runner) or the application (its own
 * `dataSource.transaction()`, `@Transactional()` or query runner, dispatched by the subscriber).
 */
export type UnitOfWorkOwner = 'library' | 'application';

/**
 * One transaction and the messages recorded in it. Messages are buffered here and written to the
 * outbox by the unit-of-work subscriber just before the outermost COMMIT.
 */
export class UnitOfWork {
  /** Recorded, not yet written to the outbox. */
  readonly pending: OutboxMessage[] = [];
  /** Written to the outbox in this transaction; dispatched once it commits. */
  readonly written: OutboxMessage[] = [];
  /**
   * Why the database ended the transaction under the code (a deadlock on MySQL, any failed
   * statement on PostgreSQL), if it did and no savepoint rollback undid it: the commit must not go
   * through.
   */
  rolledBackBy: RolledBack | undefined;
  /** Set when the library gave up on the unit (its attempt timed out): nothing may run in it now. */
  abandonedBy: Error | undefined;
  /** `transaction()` calls running inside the unit, as savepoints. */
  openTransactions = 0;
  private started = false;
  /** Its messages went to the outbox: the outermost COMMIT is under way. */
  private sealed = false;
  /** For each open savepoint, how many messages were pending when it began. */
  private readonly savepoints: number[] = [];
  /** Every incoming message this unit handles: one, or several in a batch. */
  readonly handling: MessageEnvelope[] = [];
  private current: MessageOrigin = { incoming: null, correlationId: null };
  private submission: Submission | undefined;
  private derivedIds = 0;

  constructor(
    readonly queryRunner: QueryRunner,
    readonly endpoint: string,
    readonly owner: UnitOfWorkOwner,
    incoming: MessageEnvelope | null = null,
  ) {
    if (incoming) this.beginMessage(incoming);
  }

  get dataSource(): DataSource {
    return this.queryRunner.connection;
  }

  /**
   * Its transaction is open: statements and messages of this async path belong to it. Not before
   * its START TRANSACTION went through, so that code started beside it in the same synchronous run
   * never lands in it.
   */
  /** Its transaction was open when the driver released its connection (lost under it). */
  get lostConnection(): boolean {
    return (
      this.started &&
      !this.sealed &&
      this.queryRunner.isReleased &&
      this.queryRunner.isTransactionActive
    );
  }

  get isOpen(): boolean {
    return (
      this.started &&
      !this.sealed &&
      this.queryRunner.isTransactionActive &&
      !this.queryRunner.isReleased
    );
  }

  /** The incoming message being handled: in a batch, each message in turn. */
  get incoming(): MessageEnvelope | null {
    return this.current.incoming;
  }

  /** The origin of what is recorded now; a MessageContext keeps the one of its message. */
  get origin(): MessageOrigin {
    return this.current;
  }

  /**
   * Messages recorded from now on are caused by `incoming`, carry its correlation id and get fresh
   * ids (a business key an earlier message of the batch submitted no longer applies).
   */
  beginMessage(incoming: MessageEnvelope): void {
    this.current = { incoming, correlationId: incoming.headers.correlationId ?? null };
    this.handling.push(incoming);
    this.submission = undefined;
    this.derivedIds = 0;
  }

  get manager(): EntityManager {
    return this.queryRunner.manager;
  }

  /** Buffers a message caused by `origin` (by default, the message being handled now); returns its id. */
  record(
    message: object,
    destination: string | null,
    options: PublishOptions = {},
    origin: MessageOrigin = this.current,
  ): string {
    if (destination !== null && (typeof destination !== 'string' || destination.trim() === '')) {
      throw new TypeError(
        'send() needs the name of the destination endpoint as its first argument',
      );
    }
    if (this.sealed) throw new NoActiveUnitOfWorkError('record a message while its unit commits');
    const messageClass = messageClassOfInstance(message);
    const type = messageTypeOf(messageClass);
    const declared =
      options.orderingKey === undefined ? declaredOrderingKeyOf(messageClass, message) : undefined;
    const orderingKey = options.orderingKey ?? declared?.key;
    const serialized = serializedShape(message);
    const problem =
      (destination !== null ? endpointNameProblem(destination) : undefined) ??
      (options.messageId !== undefined ? messageIdProblem(options.messageId) : undefined) ??
      reservedKeyProblem(message) ??
      serialized.problem ??
      customHeadersProblem(options.headers) ??
      (declared || options.orderingKey !== undefined
        ? orderingKeyProblem(orderingKey, declared?.from)
        : undefined) ??
      (type.length > MAX_NAME_LENGTH
        ? `message type "${type.slice(0, 40)}…" is too long`
        : undefined);
    if (problem) throw new InvalidMessageError(problem);
    const id = options.messageId ?? this.nextId();
    origin.correlationId ??= id;
    this.pending.push({
      id,
      type,
      destination,
      payload: JSON.stringify(serialized.shape),
      headers: {
        ...withoutOrderingHeaders(options.headers),
        ...(typeof orderingKey === 'string' && { [ORDERING_KEY_HEADER]: orderingKey }),
        correlationId: origin.correlationId,
        causationId: origin.incoming?.id ?? null,
        originEndpoint: this.endpoint,
        sentAt: new Date().toISOString(),
      },
    });
    return id;
  }

  /** Messages published from now on get ids derived from the submission's business key. */
  deriveIdsFrom(submission: Submission): void {
    this.submission = submission;
    this.derivedIds = 0;
  }

  private nextId(): string {
    return this.submission
      ? submissionMessageId(this.submission, this.derivedIds++)
      : newMessageId();
  }

  /** Whether a savepoint is open: a commit or rollback now ends the savepoint, not the transaction. */
  get inSavepoint(): boolean {
    return this.savepoints.length > 0;
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

  /**
   * A savepoint or the transaction is rolling back: the messages recorded in it are discarded with
   * its changes.
   */
  rollingBack(): void {
    const mark = this.savepoints.pop() ?? 0;
    this.pending.splice(mark);
    if (this.rolledBackBy && this.rolledBackBy.depth > this.savepoints.length)
      this.rolledBackBy = undefined;
  }

  /**
   * A statement failed in a way that ended the whole transaction, or only the innermost savepoint
   * (which its rollback undoes). The first such failure is the one reported.
   */
  aborted(reason: string, level: 'transaction' | 'savepoint', afterAbort: string): void {
    this.rolledBackBy ??= {
      reason,
      afterAbort,
      depth: level === 'transaction' ? 0 : this.savepoints.length,
    };
  }

  /** Moves the buffered messages to `written`, returning them for the outbox insert. */
  takePending(): OutboxMessage[] {
    this.sealed = true;
    const taken = this.pending.splice(0, this.pending.length);
    this.written.push(...taken);
    return taken;
  }
}

/** A transaction the database ended under the code. */
export interface RolledBack {
  reason: string;
  /** What the statements the code ran after it did. */
  afterAbort: string;
  /** Savepoints open when it failed: a rollback to one of them, or further out, undoes it. */
  depth: number;
}
