import type { QueryRunner } from 'typeorm';

const borrowed = new WeakMap<QueryRunner, QueryRunner>();
const releaseNothing = (): Promise<void> => Promise.resolve();

/**
 * The unit of work's query runner as handed to code that asked the DataSource for a new one (a
 * repository, `dataSource.query()`, `dataSource.transaction()`): everything runs on the unit's
 * connection, and the `release()` such code calls when done leaves it to the unit.
 */
export function borrowQueryRunner(queryRunner: QueryRunner): QueryRunner {
  let lent = borrowed.get(queryRunner);
  if (!lent) {
    lent = new Proxy(queryRunner, {
      get: (target, key, receiver) =>
        key === 'release' ? releaseNothing : Reflect.get(target, key, receiver),
    });
    borrowed.set(queryRunner, lent);
  }
  return lent;
}
