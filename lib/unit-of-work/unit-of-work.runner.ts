import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
} from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import { InFlightMessages } from '../metrics/in-flight-messages';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { DatabaseUnavailableError } from '../errors/database-unavailable.error';
import { asError } from '../errors/thrown-text';
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
    private readonly inFlight: InFlightMessages,
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
   * aborts first, the unit is abandoned: its connection is killed (the server rolls back), and
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
    const startedAt = Date.now();
    let working: Promise<T> | undefined;
    let committing = false;
    try {
      signal?.throwIfAborted();
      // Not raced: a connection still on its way from the pool must arrive to be closed.
      await queryRunner.startTransaction();
      signal?.throwIfAborted();
      working = runInUnitOfWork(unitOfWork, () => work(unitOfWork));
      const result = await untilAborted(working, signal);
      committing = true;
      await untilAborted(queryRunner.commitTransaction(), signal);
      return { result, committed: unitOfWork.written };
    } catch (error) {
      // Lost before COMMIT was sent: nothing was written, which the caller may say (a 503).
      // Lost during COMMIT, the outcome is unknown and the driver's error stays.
      const lost =
        unitOfWork.lostConnection || this.transactions.dialect.errors.isConnectionError(error);
      if (!committing && lost) {
        await this.rollBack(queryRunner).catch(() => undefined);
        throw error instanceof DatabaseUnavailableError
          ? error
          : new DatabaseUnavailableError(error);
      }
      // A ROLLBACK would queue behind what still runs on the connection: a hung handler, or a
      // transaction opened beside the one that failed, whose COMMIT could then follow it.
      if (signal?.aborted) {
        if (working) this.inFlight.stillRunning(working, startedAt);
        await this.abandon(unitOfWork, signal.reason as Error);
      } else if (unitOfWork.openTransactions > 0) await this.abandon(unitOfWork, asError(error));
      else await this.rollBack(queryRunner);
      throw error;
    } finally {
      await queryRunner.release();
    }
  }

  /** Kills the connection and what still runs on it, so that its locks go at once. */
  private async abandon(unitOfWork: UnitOfWork, reason: Error): Promise<void> {
    unitOfWork.abandonedBy = reason;
    if (!unitOfWork.queryRunner.isTransactionActive) return;
    await this.transactions.dialect.connections.kill(
      unitOfWork.queryRunner,
      this.transactions.createOwnQueryRunner(),
    );
  }

  /** A connection whose ROLLBACK failed may still be in a transaction: it must not go back to the pool. */
  private async rollBack(queryRunner: QueryRunner): Promise<void> {
    if (!queryRunner.isTransactionActive) return;
    const rolledBack = await queryRunner.rollbackTransaction().then(
      () => true,
      () => false,
    );
    if (!rolledBack || queryRunner.isTransactionActive)
      this.transactions.dialect.connections.destroy(queryRunner);
  }
}
