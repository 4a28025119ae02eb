import { Inject, Injectable } from '@nestjs/common';
import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  ReplicationMode,
} from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
  STORAGE_DIALECT,
} from '../consistent-messaging.constants';
import { DataSourceInUseError } from '../errors/data-source-in-use.error';
import { ForeignConnectionError } from '../errors/foreign-connection.error';
import type { StorageDialect } from '../storage/storage-dialect.interface';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { borrowQueryRunner } from './borrowed-query-runner';
import { UnitOfWork } from './unit-of-work';
import {
  activeUnitOfWork,
  attachUnitOfWork,
  contain,
  enterUnitOfWork,
  runNestedTransaction,
} from './unit-of-work.storage';

/** What is installed on each data source of this process. */
const installed = new WeakMap<DataSource, AmbientTransactions>();

/**
 * Ties the messaging DataSource to the unit of work active on each async path, so that the code
 * Nest users already write joins it:
 * - a query runner asked for while a unit is open is the unit's own (repositories, managers,
 *   `dataSource.query()`, a nested `transaction()` as a savepoint): never a second connection;
 * - a transaction started elsewhere (`dataSource.transaction()`, `@Transactional()`, a query
 *   runner of the application's) becomes a unit of work itself, which @Outbox() methods called in
 *   it join and whose messages are dispatched after its COMMIT.
 * TypeORM has no hook for this, so `createQueryRunner`, `createEntityManager` and the managers'
 * `transaction` are wrapped on this DataSource instance, with the subscriber that follows its
 * transactions, for as long as the DataSource may run them.
 */
@Injectable()
export class AmbientTransactions {
  /** The DataSource's own, before it is wrapped (taken at install, after a takeover's uninstall). */
  private createQueryRunnerOfDataSource!: DataSource['createQueryRunner'];
  private readonly restorers: (() => void)[] = [];
  private released = false;

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    /** The data source's dialect: how the library's own transactions read its errors. */
    @Inject(STORAGE_DIALECT) readonly dialect: StorageDialect,
  ) {}

  install(subscriber: EntitySubscriberInterface): void {
    const dataSource = this.dataSource;
    this.dialect.connections.guard(dataSource);
    const previous = installed.get(dataSource);
    if (previous && !previous.released)
      throw new DataSourceInUseError(previous.options.endpoint, this.options.endpoint);
    previous?.uninstall();
    installed.set(dataSource, this);

    dataSource.subscribers.push(subscriber);
    this.restorers.push(() => {
      const index = dataSource.subscribers.indexOf(subscriber);
      if (index >= 0) dataSource.subscribers.splice(index, 1);
    });
    this.createQueryRunnerOfDataSource = dataSource.createQueryRunner.bind(dataSource);
    const createEntityManager = dataSource.createEntityManager;
    this.override(dataSource, 'createQueryRunner', (mode?: ReplicationMode) =>
      this.queryRunnerFor(mode),
    );
    this.override(dataSource, 'createEntityManager', (queryRunner?: QueryRunner) =>
      this.containTransactions(createEntityManager.call(dataSource, queryRunner)),
    );
    this.override(dataSource.manager, 'transaction', this.containedTransaction(dataSource.manager));
    const destroy = dataSource.destroy;
    this.override(dataSource, 'destroy', async () => {
      await destroy.call(dataSource);
      this.uninstall();
    });
  }

  /**
   * At shutdown. Nest still serves HTTP requests after the modules' shutdown hooks, so the wrappers
   * stay while the DataSource is open: without them a running @Outbox() method would write outside
   * its unit, or wait for a second connection. They go when TypeORM closes it, or when another
   * endpoint installs on it.
   */
  release(): void {
    this.released = true;
    if (!this.dataSource.isInitialized) this.uninstall();
  }

  private uninstall(): void {
    for (const restore of this.restorers.splice(0).reverse()) restore();
    if (installed.get(this.dataSource) === this) installed.delete(this.dataSource);
  }

  /** A query runner of the library's own: never an ambient unit's, never made a unit itself. */
  createOwnQueryRunner(mode?: ReplicationMode): QueryRunner {
    return this.createQueryRunnerOfDataSource(mode);
  }

  private queryRunnerFor(mode: ReplicationMode | undefined): QueryRunner {
    const unitOfWork = activeUnitOfWork(this.dataSource);
    if (unitOfWork) return borrowQueryRunner(unitOfWork.queryRunner);
    const queryRunner = this.createOwnQueryRunner(mode);
    this.watchTransactions(queryRunner);
    return queryRunner;
  }

  /**
   * The outermost transaction started on `queryRunner` becomes a unit of work of the application;
   * inside a unit of the library's, it would commit on its own.
   */
  private watchTransactions(queryRunner: QueryRunner): void {
    const startTransaction = queryRunner.startTransaction;
    queryRunner.startTransaction = (isolationLevel) => {
      if (activeUnitOfWork(this.dataSource)?.owner === 'library')
        return Promise.reject(new ForeignConnectionError('START TRANSACTION'));
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

  /**
   * `manager.transaction()`: inside a unit of work, a savepoint of it, refused beside another one;
   * elsewhere, its new transaction enters its unit (see `watchTransactions`) in the caller's
   * synchronous run, so contained: two started side by side stay apart.
   */
  private containedTransaction(manager: EntityManager): EntityManager['transaction'] {
    const transaction = manager.transaction as (...args: unknown[]) => Promise<unknown>;
    return (async (...args: unknown[]) => {
      const unitOfWork = activeUnitOfWork(this.dataSource);
      const run = () => transaction.apply(manager, args);
      return unitOfWork ? runNestedTransaction(unitOfWork, run) : contain(run);
    }) as EntityManager['transaction'];
  }

  private containTransactions(manager: EntityManager): EntityManager {
    manager.transaction = this.containedTransaction(manager);
    return manager;
  }
}
