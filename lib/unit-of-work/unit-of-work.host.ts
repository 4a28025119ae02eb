import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { MESSAGING_DATA_SOURCE } from '../consistent-messaging.constants';
import { NoActiveUnitOfWorkError } from '../errors/no-active-unit-of-work.error';
import { activeUnitOfWork } from './unit-of-work.storage';

/**
 * Gives access to the transaction of the unit of work open on this path: a handler's, an
 * @Outbox() method's, or a transaction of the application.
 */
@Injectable()
export class UnitOfWorkHost {
  constructor(@Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Whether a unit of work is open here. */
  get isActive(): boolean {
    try {
      return activeUnitOfWork(this.dataSource) !== undefined;
    } catch {
      return false;
    }
  }

  /** The transactional EntityManager; throws outside a unit of work. */
  get manager(): EntityManager {
    const unitOfWork = activeUnitOfWork(this.dataSource);
    if (!unitOfWork) throw new NoActiveUnitOfWorkError('use the transactional EntityManager');
    return unitOfWork.manager;
  }
}
