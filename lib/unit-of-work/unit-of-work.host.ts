import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { EntityManager } from 'typeorm';
import { NoActiveUnitOfWorkError } from '../errors/no-active-unit-of-work.error';
import { unitOfWorkStorage } from './unit-of-work.storage';

/** Gives access to the transaction of the active unit of work (handler or @Outbox() method). */
@Injectable()
export class UnitOfWorkHost {
  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
  ) {}

  get isActive(): boolean {
    return unitOfWorkStorage.getStore() !== undefined;
  }

  /** The transactional EntityManager; throws outside a unit of work. */
  get manager(): EntityManager {
    const unitOfWork = unitOfWorkStorage.getStore();
    if (!unitOfWork) {
      throw new NoActiveUnitOfWorkError(
        'use the transactional EntityManager',
        !this.options.ambientUnitOfWork,
      );
    }
    return unitOfWork.manager;
  }
}
