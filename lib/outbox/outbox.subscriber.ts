import { Inject, Injectable } from '@nestjs/common';
import type {
  AfterQueryEvent,
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
import { MESSAGING_DATA_SOURCE } from '../consistent-messaging.constants';
import { TransactionRolledBackError } from '../errors/transaction-rolled-back.error';
import { FaultInjector } from '../faults/fault-injector';
import { MysqlErrno, mysqlErrno } from '../storage/mysql-errors';
import { unitOfWorkOf } from '../unit-of-work/unit-of-work.storage';
import { pullDomainEvents } from './domain-events';
import { OutboxStore } from './outbox.store';

/** Errors on which InnoDB rolls back the whole transaction, not only the statement. */
const TRANSACTION_ROLLED_BACK: Record<number, string> = {
  [MysqlErrno.deadlock]: 'deadlock',
  [MysqlErrno.lockTableFull]: 'lock table full',
};

/**
 * Writes a unit of work's messages to the outbox inside its transaction, just before the outermost
 * COMMIT, and collects domain events raised by entities saved in it. Messages recorded inside a
 * savepoint that rolls back are dropped with it.
 */
@Injectable()
export class OutboxSubscriber implements EntitySubscriberInterface {
  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly store: OutboxStore,
    private readonly faults: FaultInjector,
  ) {}

  register(): void {
    if (!this.dataSource.subscribers.includes(this)) this.dataSource.subscribers.push(this);
  }

  afterTransactionStart(event: TransactionStartEvent): void {
    unitOfWorkOf(event.queryRunner)?.transactionStarted();
  }

  beforeTransactionRollback(event: TransactionRollbackEvent): void {
    const unitOfWork = unitOfWorkOf(event.queryRunner);
    if (unitOfWork && !unitOfWork.committing) unitOfWork.savepointRolledBack();
  }

  /** Notes a transaction the database rolled back under the code, so that it is not committed. */
  afterQuery(event: AfterQueryEvent<ObjectLiteral>): void {
    if (event.success) return;
    const reason = TRANSACTION_ROLLED_BACK[mysqlErrno(event.error) ?? 0];
    const unitOfWork = unitOfWorkOf(event.queryRunner);
    if (reason && unitOfWork) unitOfWork.rolledBackBy ??= reason;
  }

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const unitOfWork = unitOfWorkOf(event.queryRunner);
    if (!unitOfWork) return;
    if (!unitOfWork.committing) return unitOfWork.savepointReleased();
    if (unitOfWork.rolledBackBy) throw new TransactionRolledBackError(unitOfWork.rolledBackBy);
    const messages = unitOfWork.takePending();
    if (messages.length > 0) await this.store.insert(event.queryRunner, messages);
    const batch = unitOfWork.handling.length > 1;
    await this.faults.at('beforeCommit', {
      messageIds: unitOfWork.written.map((message) => message.id),
      incomingMessageId: batch ? undefined : unitOfWork.incoming?.id,
      incomingMessageIds: batch ? unitOfWork.handling.map((message) => message.id) : undefined,
    });
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
