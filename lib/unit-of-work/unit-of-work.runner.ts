import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
} from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { UnitOfWork } from './unit-of-work';
import { attachUnitOfWork, unitOfWorkStorage } from './unit-of-work.storage';

export interface UnitOfWorkResult<T> {
  result: T;
  /** Messages committed to the outbox by this unit; empty when it joined an outer one. */
  committed: OutboxMessage[];
}

/**
 * Runs work in one transaction with an outbox buffer. An ambient unit is reachable through
 * AsyncLocalStorage from the work's whole call chain, and nested calls join it.
 */
@Injectable()
export class UnitOfWorkRunner {
  private outboxMethodsFound = false;

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  /**
   * Whether handlers' units are ambient: the `ambientUnitOfWork` option, overridden when the
   * application has @Outbox() methods, so that one called from a handler joins its transaction.
   */
  get handlersAmbient(): boolean {
    return this.options.ambientUnitOfWork || this.outboxMethodsFound;
  }

  /** Called at startup when @Outbox() methods are found. */
  keepHandlersAmbient(): void {
    this.outboxMethodsFound = true;
  }

  async run<T>(
    incoming: MessageEnvelope | null,
    work: (unitOfWork: UnitOfWork) => Promise<T>,
    ambient = true,
  ): Promise<UnitOfWorkResult<T>> {
    const active = unitOfWorkStorage.getStore();
    if (active) return { result: await work(active), committed: [] };

    const queryRunner = this.dataSource.createQueryRunner();
    const unitOfWork = new UnitOfWork(queryRunner, this.options.endpoint, incoming);
    attachUnitOfWork(queryRunner, unitOfWork);
    try {
      await queryRunner.startTransaction();
      const result = ambient
        ? await unitOfWorkStorage.run(unitOfWork, () => work(unitOfWork))
        : await work(unitOfWork);
      unitOfWork.committing = true;
      await queryRunner.commitTransaction();
      return { result, committed: unitOfWork.written };
    } catch (error) {
      if (queryRunner.isTransactionActive)
        await queryRunner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await queryRunner.release();
    }
  }
}
