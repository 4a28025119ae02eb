import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager, QueryRunner, ReplicationMode } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
} from '../consistent-messaging.constants';
import { DataSourceInUseError } from '../errors/data-source-in-use.error';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { borrowQueryRunner } from './borrowed-query-runner';
import { UnitOfWork } from './unit-of-work';
import {
  activeUnitOfWork,
  attachUnitOfWork,
  contain,
  enterUnitOfWork,
} from './unit-of-work.storage';

/** Endpoint using each data source in this process. */
const endpointsByDataSource = new WeakMap<DataSource, string>();

/**
 * Ties the messaging DataSource to the unit of work active on each async path, so that the code
 * Nest users already write joins it:
 * - a query runner asked for while a unit is open is the unit's own (repositories, managers,
 *   `dataSource.query()`, a nested `transaction()` as a savepoint): never a second connection;
 * - a transaction started elsewhere (`dataSource.transaction()`, `@Transactional()`, a query
 *   runner of the application's) becomes a unit of work itself, which @Outbox() methods called in
 *   it join and whose messages are dispatched after its COMMIT.
 * TypeORM has no hook for this, so `createQueryRunner`, `createEntityManager` and the managers'
 * `transaction` are wrapped on this DataSource instance while the module runs.
 */
@Injectable()
export class AmbientTransactions {
  private createQueryRunnerOfDataSource: DataSource['createQueryRunner'] | undefined;
  private readonly restorers: (() => void)[] = [];

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
  ) {}

  install(): void {
    const dataSource = this.dataSource;
    const user = endpointsByDataSource.get(dataSource);
    if (user !== undefined) throw new DataSourceInUseError(user, this.options.endpoint);
    endpointsByDataSource.set(dataSource, this.options.endpoint);

    const createQueryRunner = dataSource.createQueryRunner;
    const createEntityManager = dataSource.createEntityManager;
    this.createQueryRunnerOfDataSource = (mode) => createQueryRunner.call(dataSource, mode);
    this.override(dataSource, 'createQueryRunner', (mode?: ReplicationMode) =>
      this.queryRunnerFor(mode),
    );
    this.override(dataSource, 'createEntityManager', (queryRunner?: QueryRunner) =>
      containTransactions(createEntityManager.call(dataSource, queryRunner)),
    );
    const manager = dataSource.manager;
    this.override(manager, 'transaction', containedTransaction(manager));
  }

  uninstall(): void {
    for (const restore of this.restorers.splice(0).reverse()) restore();
    this.createQueryRunnerOfDataSource = undefined;
    endpointsByDataSource.delete(this.dataSource);
  }

  /** A query runner of the library's own: never an ambient unit's, never made a unit itself. */
  createOwnQueryRunner(mode?: ReplicationMode): QueryRunner {
    const create = this.createQueryRunnerOfDataSource;
    return create ? create(mode) : this.dataSource.createQueryRunner(mode);
  }

  private queryRunnerFor(mode: ReplicationMode | undefined): QueryRunner {
    const unitOfWork = activeUnitOfWork(this.dataSource);
    if (unitOfWork) return borrowQueryRunner(unitOfWork.queryRunner);
    const queryRunner = this.createOwnQueryRunner(mode);
    this.watchTransactions(queryRunner);
    return queryRunner;
  }

  /** The outermost transaction started on `queryRunner` becomes a unit of work of the application. */
  private watchTransactions(queryRunner: QueryRunner): void {
    const startTransaction = queryRunner.startTransaction;
    queryRunner.startTransaction = (isolationLevel) => {
      if (!queryRunner.isTransactionActive) {
        const unitOfWork = new UnitOfWork(queryRunner, this.options.endpoint, 'application');
        attachUnitOfWork(queryRunner, unitOfWork);
        enterUnitOfWork(unitOfWork);
      }
      return startTransaction.call(queryRunner, isolationLevel);
    };
  }

  private override<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): void {
    const own = Object.prototype.hasOwnProperty.call(target, key);
    const previous = target[key];
    target[key] = value;
    this.restorers.push(() => {
      if (own) target[key] = previous;
      else delete target[key];
    });
  }
}

/**
 * `manager.transaction()` enters the unit of its new transaction (see `watchTransactions`) in the
 * caller's synchronous run: contained, two transactions started side by side stay apart.
 */
function containedTransaction(manager: EntityManager): EntityManager['transaction'] {
  const transaction = manager.transaction as (...args: unknown[]) => Promise<unknown>;
  return ((...args: unknown[]) =>
    contain(() => transaction.apply(manager, args))) as EntityManager['transaction'];
}

function containTransactions(manager: EntityManager): EntityManager {
  manager.transaction = containedTransaction(manager);
  return manager;
}
