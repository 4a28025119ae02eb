import { AsyncLocalStorage } from 'async_hooks';
import type { QueryRunner } from 'typeorm';
import type { UnitOfWork } from './unit-of-work';

/** The unit of work active in the current async context. */
export const unitOfWorkStorage = new AsyncLocalStorage<UnitOfWork>();

const UNIT_OF_WORK_KEY = 'consistentMessagingUnitOfWork';

/** Links a query runner to its unit of work, so TypeORM subscribers can find the buffer. */
export function attachUnitOfWork(queryRunner: QueryRunner, unitOfWork: UnitOfWork): void {
  queryRunner.data[UNIT_OF_WORK_KEY] = unitOfWork;
}

export function unitOfWorkOf(queryRunner: QueryRunner | undefined): UnitOfWork | undefined {
  return queryRunner?.data?.[UNIT_OF_WORK_KEY] as UnitOfWork | undefined;
}
