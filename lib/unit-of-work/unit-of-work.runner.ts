import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
} from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { destroyConnection } from '../storage/mysql-connections';
import { AmbientTransactions } from './ambient-transactions';
import { UnitOfWork } from './unit-of-work';
import { activeUnitOfWork, attachUnitOfWork, runInUnitOfWork } from './unit-of-work.storage';
import { untilAborted } from './until-aborted';

export interface UnitOfWorkResult<T> {
  result: T;
  /** Messages committed to the outbox by this unit; empty when it joined an outer one. */
  committed: OutboxMessage[];
}

/**
 * Runs work in one transaction with an outbox buffer. The unit is reachable through
 * AsyncLocalStorage from the work's whole call chain: MessagePublisher, UnitOfWorkHost, and every
 * repository or manager of the DataSource run in it.
 */
@Injectable()
export class UnitOfWorkRunner {
  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly transactions: AmbientTransactions,
  ) {}

  /**
   * For an @Outbox() method: joins the unit of work open on this path (a handler's, another
   * @Outbox() method's, or a transaction of the application), else runs in a new one.
   */
  async joinOrRun<T>(work: (unitOfWork: UnitOfWork) => Promise<T>): Promise<UnitOfWorkResult<T>> {
    const active = activeUnitOfWork(this.dataSource);
    if (active) return { result: await work(active), committed: [] };
    return this.runNew(null, work);
  }

  /**
   * For incoming messages: runs `work` in a new unit of work, never an outer one. If `signal`
   * aborts first, the unit is abandoned: its connection is closed (the server rolls back), and
   * the work still running in it can no longer write anywhere.
   */
  async runNew<T>(
    incoming: MessageEnvelope | null,
    work: (unitOfWork: UnitOfWork) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<UnitOfWorkResult<T>> {
    const queryRunner = this.transactions.createOwnQueryRunner();
    const unitOfWork = new UnitOfWork(queryRunner, this.options.endpoint, 'library', incoming);
    attachUnitOfWork(queryRunner, unitOfWork);
    try {
      // Not raced: a connection still on its way from the pool must arrive to be closed.
      await queryRunner.startTransaction();
      signal?.throwIfAborted();
      const working = runInUnitOfWork(unitOfWork, () => work(unitOfWork));
      const result = await untilAborted(working, signal);
      await untilAborted(queryRunner.commitTransaction(), signal);
      return { result, committed: unitOfWork.written };
    } catch (error) {
      if (signal?.aborted) {
        unitOfWork.abandonedBy = signal.reason as Error;
        destroyConnection(queryRunner);
      } else if (queryRunner.isTransactionActive) {
        await queryRunner.rollbackTransaction().catch(() => undefined);
      }
      throw error;
    } finally {
      await queryRunner.release();
    }
  }
}
