import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { NoActiveUnitOfWorkError } from '../errors/no-active-unit-of-work.error';
import { unitOfWorkStorage } from './unit-of-work.storage';

/** Gives access to the transaction of the active unit of work (handler or @Outbox() method). */
@Injectable()
export class UnitOfWorkHost {
  get isActive(): boolean {
    return unitOfWorkStorage.getStore() !== undefined;
  }

  /** The transactional EntityManager; throws outside a unit of work. */
  get manager(): EntityManager {
    const unitOfWork = unitOfWorkStorage.getStore();
    if (!unitOfWork) throw new NoActiveUnitOfWorkError('use the transactional EntityManager');
    return unitOfWork.manager;
  }
}
