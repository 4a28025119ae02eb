import { AsyncLocalStorage } from 'async_hooks';
import type { DataSource, QueryRunner } from 'typeorm';
import { ConcurrentTransactionsError } from '../errors/concurrent-transactions.error';
import { DatabaseUnavailableError } from '../errors/database-unavailable.error';
import type { UnitOfWork } from './unit-of-work';

/**
 * What an async path runs in. Always a new object per scope: `AsyncLocalStorage.run` with the
 * store already active opens no scope, and `contain()` relies on one being opened.
 */
interface AmbientFrame {
  readonly unitOfWork: UnitOfWork | undefined;
  /** How many `transaction()` calls of the unit this path runs inside. */
  readonly depth: number;
}

const storage = new AsyncLocalStorage<AmbientFrame>();
const unitsOfWork = new WeakMap<QueryRunner, UnitOfWork>();

/** Runs `work` with `unitOfWork` active on its whole async path. */
export function runInUnitOfWork<T>(unitOfWork: UnitOfWork, work: () => T): T {
  return storage.run({ unitOfWork, depth: 0 }, work);
}

/**
 * Makes `unitOfWork` active for the rest of the current synchronous run and what it starts: the
 * code that started a transaction on a query runner of its own.
 */
export function enterUnitOfWork(unitOfWork: UnitOfWork): void {
  storage.enterWith({ unitOfWork, depth: 0 });
}

/** Runs `work` so that a unit it enters stays inside it, invisible to code beside it. */
export function contain<T>(work: () => T): T {
  const frame = storage.getStore();
  return storage.run({ unitOfWork: frame?.unitOfWork, depth: frame?.depth ?? 0 }, work);
}

/**
 * Runs a `transaction()` call made inside `unitOfWork` (a savepoint of it). Refuses one opened
 * while a call beside it, not around it, is still running: both would use the same connection.
 */
export async function runNestedTransaction<T>(
  unitOfWork: UnitOfWork,
  work: () => Promise<T>,
): Promise<T> {
  const depth = storage.getStore()?.depth ?? 0;
  if (unitOfWork.openTransactions !== depth) throw new ConcurrentTransactionsError();
  unitOfWork.openTransactions++;
  try {
    return await storage.run({ unitOfWork, depth: depth + 1 }, work);
  } finally {
    unitOfWork.openTransactions--;
  }
}

/**
 * Whether this async path is outside every `transaction()` call of `unitOfWork`: where its own
 * transaction, not one of its savepoints, begins and ends.
 */
export function isOutsideItsTransactions(unitOfWork: UnitOfWork): boolean {
  const frame = storage.getStore();
  return frame?.unitOfWork !== unitOfWork || frame.depth === 0;
}

/**
 * The unit of work of `dataSource` whose transaction is open on this async path, if any. Throws the
 * reason if the library abandoned it (its attempt timed out): the code still running in it must not
 * write anywhere.
 */
const LOST_CONNECTION = new Error("the unit of work's connection was lost in its transaction");

export function activeUnitOfWork(dataSource: DataSource): UnitOfWork | undefined {
  const unitOfWork = storage.getStore()?.unitOfWork;
  if (!unitOfWork || unitOfWork.dataSource !== dataSource) return undefined;
  if (unitOfWork.abandonedBy) throw unitOfWork.abandonedBy;
  // The driver let the connection go mid-transaction (pg does when its backend is terminated):
  // what would run now on a new connection would commit on its own.
  if (unitOfWork.lostConnection) throw new DatabaseUnavailableError(LOST_CONNECTION);
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
