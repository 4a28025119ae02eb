import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { NoActiveUnitOfWorkError } from '../errors/no-active-unit-of-work.error';
import { UnitOfWorkRunner } from './unit-of-work.runner';
import { unitOfWorkStorage } from './unit-of-work.storage';

/** Gives access to the transaction of the active unit of work (handler or @Outbox() method). */
@Injectable()
export class UnitOfWorkHost {
  constructor(private readonly runner: UnitOfWorkRunner) {}

  /** Whether a unit of work is active here; false inside handlers when they are not ambient. */
  get isActive(): boolean {
    return unitOfWorkStorage.getStore() !== undefined;
  }

  /** The transactional EntityManager; throws outside a unit of work. */
  get manager(): EntityManager {
    const unitOfWork = unitOfWorkStorage.getStore();
    if (!unitOfWork) {
      throw new NoActiveUnitOfWorkError(
        'use the transactional EntityManager',
        !this.runner.handlersAmbient,
      );
    }
    return unitOfWork.manager;
  }
}
