import { AsyncLocalStorage } from 'async_hooks';
import type { DataSource, QueryRunner } from 'typeorm';
import type { UnitOfWork } from './unit-of-work';

/**
 * What an async path runs in. Always a new object per scope: `AsyncLocalStorage.run` with the
 * store already active opens no scope, and `contain()` relies on one being opened.
 */
interface AmbientFrame {
  readonly unitOfWork: UnitOfWork | undefined;
}

const storage = new AsyncLocalStorage<AmbientFrame>();
const unitsOfWork = new WeakMap<QueryRunner, UnitOfWork>();

/** Runs `work` with `unitOfWork` active on its whole async path. */
export function runInUnitOfWork<T>(unitOfWork: UnitOfWork, work: () => T): T {
  return storage.run({ unitOfWork }, work);
}

/**
 * Makes `unitOfWork` active for the rest of the current synchronous run and what it starts: the
 * code that started a transaction on a query runner of its own. Callers that may start several
 * side by side run inside `contain()`.
 */
export function enterUnitOfWork(unitOfWork: UnitOfWork): void {
  storage.enterWith({ unitOfWork });
}

/** Runs `work` so that a unit it enters stays inside it, invisible to code beside it. */
export function contain<T>(work: () => T): T {
  return storage.run({ unitOfWork: storage.getStore()?.unitOfWork }, work);
}

/**
 * The unit of work of `dataSource` whose transaction is open on this async path, if any. Throws the
 * reason if the library abandoned it (its attempt timed out): the code still running in it must not
 * write anywhere.
 */
export function activeUnitOfWork(dataSource: DataSource): UnitOfWork | undefined {
  const unitOfWork = storage.getStore()?.unitOfWork;
  if (!unitOfWork || unitOfWork.dataSource !== dataSource) return undefined;
  if (unitOfWork.abandonedBy) throw unitOfWork.abandonedBy;
  return unitOfWork.isOpen ? unitOfWork : undefined;
}

/**
 * Stops AsyncLocalStorage's bookkeeping, which slows every promise of the process once used: for
 * benchmarks that measure code without the library in the same process.
 */
export function disableAmbientStorage(): void {
  storage.disable();
}

/** Links a query runner to its unit of work, so TypeORM subscribers can find the buffer. */
export function attachUnitOfWork(queryRunner: QueryRunner, unitOfWork: UnitOfWork): void {
  unitsOfWork.set(queryRunner, unitOfWork);
}

export function unitOfWorkOf(queryRunner: QueryRunner | undefined): UnitOfWork | undefined {
  return queryRunner && unitsOfWork.get(queryRunner);
}
