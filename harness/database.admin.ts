import { randomBytes } from 'crypto';
import type { DataSource, ObjectLiteral } from 'typeorm';
import type { DatabaseConnection } from '../test/support/services';

/**
 * The harness's root connection to its database (MySQL/MariaDB or PostgreSQL): creates the run's
 * own database user, so that its connections can be found and killed without touching anyone
 * else's, injects the database faults, reads the rows the invariants count, drops the run's tables.
 */
export abstract class DatabaseAdmin {
  /** The run's database user, the one every endpoint of the chain connects as. */
  readonly user = `h_${randomBytes(4).toString('hex')}`;
  readonly password = randomBytes(8).toString('hex');

  protected constructor(
    protected readonly root: DatabaseConnection,
    protected readonly dataSource: DataSource,
  ) {}

  /** Connection options of the run's user, for the endpoints. */
  get connection(): DatabaseConnection {
    return { ...this.root, username: this.user, password: this.password };
  }

  /** Connects and creates the run's user. */
  abstract open(): Promise<void>;

  /**
   * Kills up to `count` connections of the run's user, preferring those inside a transaction.
   * Says how many were killed and how many of those were mid-transaction.
   */
  abstract killConnections(
    count: number,
    pick: <T>(items: readonly T[]) => T,
  ): Promise<{ killed: number; midTransaction: number }>;

  /**
   * In a transaction of its own for `holdMs`, locks `table` against inserts of keys in [from, to]
   * (or more than those): such inserts wait and, past the session's lock wait timeout, fail. Says
   * what it locked; undefined when it could not get the lock soon enough.
   */
  abstract holdRangeLock(
    table: string,
    from: string,
    to: string,
    holdMs: number,
  ): Promise<string | undefined>;

  /** Drops every table whose name starts with `prefix`. */
  abstract dropTables(prefix: string): Promise<void>;

  /** Drops the run's user and disconnects. */
  abstract close(): Promise<void>;

  /** `identifier` quoted for this database: `name` on MySQL, "name" on PostgreSQL. */
  name(identifier: string): string {
    return this.dataSource.driver.escape(identifier);
  }

  /**
   * Runs `sql` with named parameters, as TypeORM's query builder takes them: `:id` for a value,
   * `:...ids` for a list (each of its values a parameter of its own).
   */
  query<T>(sql: string, parameters: ObjectLiteral = {}): Promise<T[]> {
    const { driver } = this.dataSource;
    // TypeORM 0.3 asks for native parameters as well; 1.x takes only these two.
    const escape = driver.escapeQueryWithParameters as (
      sql: string,
      parameters: ObjectLiteral,
      nativeParameters: ObjectLiteral,
    ) => [string, unknown[]];
    const [text, values] = escape.call(driver, sql, parameters, {});
    return this.dataSource.query(text, values);
  }

  protected sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
