import { Inject, Injectable, Logger } from '@nestjs/common';
import type {
  DataSource,
  EntitySubscriberInterface,
  InsertEvent,
  ObjectLiteral,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
  TransactionStartEvent,
  UpdateEvent,
} from 'typeorm';
import { MESSAGING_DATA_SOURCE, STORAGE_DIALECT } from '../consistent-messaging.constants';
import { ConcurrentTransactionsError } from '../errors/concurrent-transactions.error';
import { ForeignConnectionError } from '../errors/foreign-connection.error';
import { thrownText } from '../errors/thrown-text';
import { TransactionRolledBackError } from '../errors/transaction-rolled-back.error';
import { FaultInjector } from '../faults/fault-injector';
import { MessageSequencer } from '../ordering/message.sequencer';
import { pullDomainEvents } from '../outbox/domain-events';
import { OutboxStore } from '../outbox/outbox.store';
import { OutboxRelay } from '../relay/outbox.relay';
import type { StorageDialect } from '../storage/storage-dialect.interface';
import type { UnitOfWork } from './unit-of-work';
import { activeUnitOfWork, isOutsideItsTransactions, unitOfWorkOf } from './unit-of-work.storage';

/** What the query events carry that is read here (generic in TypeORM 0.3, not in 1.x). */
interface QuerySeen {
  query: string;
  queryRunner: QueryRunner;
}

/**
 * Follows every transaction of the messaging DataSource that is a unit of work: writes its
 * messages to the outbox inside it just before the outermost COMMIT, drops those of a savepoint
 * that rolls back, collects domain events raised by entities saved in it, dispatches after COMMIT
 * what a transaction of the application recorded, and refuses statements that would escape the
 * library's units.
 */
@Injectable()
export class UnitOfWorkSubscriber implements EntitySubscriberInterface {
  private readonly logger = new Logger('ConsistentMessaging');

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly store: OutboxStore,
    private readonly relay: OutboxRelay,
    private readonly faults: FaultInjector,
    @Inject(STORAGE_DIALECT) private readonly dialect: StorageDialect,
    private readonly sequencer: MessageSequencer,
  ) {}

  /**
   * A statement on another connection while a handler's or @Outbox() method's unit is open on
   * this path would commit on its own (a query runner the code kept from before the unit).
   */
  beforeQuery(event: QuerySeen): void {
    const unitOfWork = activeUnitOfWork(this.dataSource);
    if (unitOfWork?.owner === 'library' && unitOfWork.queryRunner !== event.queryRunner)
      throw new ForeignConnectionError(event.query);
    if (unitOfWork && this.faults.isSet('beforeStatement'))
      this.faults.atOnce('beforeStatement', {
        messageIds: [],
        incomingMessageId: unitOfWork.incoming?.id,
        query: event.query,
      });
  }

  afterTransactionStart(event: TransactionStartEvent): void {
    unitOfWorkOf(event.queryRunner)?.transactionStarted();
  }

  beforeTransactionRollback(event: TransactionRollbackEvent): void {
    const unitOfWork = unitOfWorkOf(event.queryRunner);
    if (!unitOfWork) return;
    this.endsBesideOpenTransactions(event.queryRunner, unitOfWork);
    unitOfWork.rollingBack();
  }

  /** Notes a transaction the database ended under the code, so that it is not committed. */
  afterQuery(event: QuerySeen & { success: boolean; error?: unknown }): void {
    if (event.success) return;
    const unitOfWork = unitOfWorkOf(event.queryRunner);
    const abort = unitOfWork && this.dialect.errors.abortOf(event.error);
    if (abort) unitOfWork.aborted(abort.reason, abort.level, this.dialect.errors.afterAbort);
  }

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const unitOfWork = unitOfWorkOf(event.queryRunner);
    if (!unitOfWork) return;
    if (this.endsBesideOpenTransactions(event.queryRunner, unitOfWork))
      throw new ConcurrentTransactionsError();
    if (unitOfWork.inSavepoint) return unitOfWork.savepointReleased();
    if (unitOfWork.rolledBackBy) throw new TransactionRolledBackError(unitOfWork.rolledBackBy);
    const messages = unitOfWork.takePending();
    if (messages.length > 0) {
      await this.sequencer.sequence(event.queryRunner, messages);
      await this.store.insert(event.queryRunner, messages);
    }
    const batch = unitOfWork.handling.length > 1;
    await this.faults.at('beforeCommit', {
      messageIds: unitOfWork.written.map((message) => message.id),
      incomingMessageId: batch ? undefined : unitOfWork.incoming?.id,
      incomingMessageIds: batch ? unitOfWork.handling.map((message) => message.id) : undefined,
    });
  }

  /**
   * The library's runners dispatch their own units; the application's are dispatched here. Never
   * throws: the transaction committed, and a failure here must not look to the application like a
   * transaction to retry (what is not dispatched stays pending for the sweeper).
   */
  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const unitOfWork = unitOfWorkOf(event.queryRunner);
    if (!unitOfWork || unitOfWork.owner !== 'application') return;
    if (event.queryRunner.isTransactionActive || unitOfWork.written.length === 0) return;
    await this.relay.dispatchCommitted(unitOfWork.written).catch((error: unknown) => {
      this.logger.warn(
        `Dispatch after an application transaction failed, left for the sweeper: ${thrownText(error)}`,
      );
    });
  }

  /**
   * The unit's transaction is ending while a `transaction()` opened in it still runs (its
   * ConcurrentTransactionsError swallowed, say): what that one sends next would run after the
   * COMMIT or ROLLBACK, on its own, and the connection would go back to the pool mid-transaction.
   * Closes the connection first: the server rolls everything back, the rest fails.
   */
  private endsBesideOpenTransactions(queryRunner: QueryRunner, unitOfWork: UnitOfWork): boolean {
    if (unitOfWork.openTransactions === 0 || !isOutsideItsTransactions(unitOfWork)) return false;
    this.dialect.connections.destroy(queryRunner);
    return true;
  }

  afterInsert(event: InsertEvent<ObjectLiteral>): void {
    this.collect(event.queryRunner, event.entity);
  }

  afterUpdate(event: UpdateEvent<ObjectLiteral>): void {
    this.collect(event.queryRunner, event.entity);
  }

  private collect(queryRunner: QueryRunner, entity: ObjectLiteral | undefined): void {
    const unitOfWork = unitOfWorkOf(queryRunner);
    if (!unitOfWork || !entity) return;
    for (const { event, options } of pullDomainEvents(entity))
      unitOfWork.record(event, null, options);
  }
}
