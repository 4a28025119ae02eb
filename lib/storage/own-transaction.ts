import type { QueryRunner } from 'typeorm';
import type { AmbientTransactions } from '../unit-of-work/ambient-transactions';
import type { StorageDialect } from './storage-dialect.interface';

const ATTEMPTS = 3;

/**
 * Runs the library's own bookkeeping (dispatch marks, flags, the sweeper's claim) in a READ COMMITTED
 * transaction on a connection of its own (see `inReadCommitted`).
 */
export function inOwnTransaction<T>(
  transactions: AmbientTransactions,
  work: (queryRunner: QueryRunner) => Promise<T>,
): Promise<T> {
  return inReadCommitted(transactions.dialect, () => transactions.createOwnQueryRunner(), work);
}

/**
 * Runs `work` in a READ COMMITTED transaction on a query runner from `newQueryRunner`. READ
 * COMMITTED takes no gap locks (InnoDB), so the application's inserts into the outbox never wait
 * on it and are never made deadlock victims by it; a deadlock it still meets (with another of the
 * library's statements) is retried.
 */
export async function inReadCommitted<T>(
  dialect: StorageDialect,
  newQueryRunner: () => QueryRunner,
  work: (queryRunner: QueryRunner) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const queryRunner = newQueryRunner();
    try {
      await queryRunner.startTransaction('READ COMMITTED');
      const result = await work(queryRunner);
      await queryRunner.commitTransaction();
      return result;
    } catch (error) {
      if (queryRunner.isTransactionActive)
        await queryRunner.rollbackTransaction().catch(() => undefined);
      if (attempt >= ATTEMPTS || !dialect.errors.isTransient(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt * 10 + Math.random() * 20));
    } finally {
      await queryRunner.release();
    }
  }
}
