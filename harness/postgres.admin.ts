import { DataSource } from 'typeorm';
import { DatabaseAdmin } from './database.admin';
import type { DatabaseConnection } from '../test/support/services';

/** How long the table lock may wait for the inserts in flight (a slow B handler holds one 3 s). */
const LOCK_WAIT = '1s';

/**
 * PostgreSQL: the run's user is a role of its own, its backends are found in pg_stat_activity and
 * ended with `pg_terminate_backend`, the counterpart of MySQL's `KILL`.
 */
export class PostgresAdmin extends DatabaseAdmin {
  constructor(root: DatabaseConnection) {
    // A small pool: the run's endpoints need most of the server's 100 connections.
    super(root, new DataSource({ ...root, type: 'postgres', extra: { max: 4 } }));
  }

  async open(): Promise<void> {
    await this.dataSource.initialize();
    const role = this.name(this.user);
    await this.query(`CREATE ROLE ${role} LOGIN PASSWORD '${this.password}'`);
    await this.query(`GRANT CONNECT ON DATABASE ${this.name(this.root.database)} TO ${role}`);
    // The tables go to the current schema (public), where PostgreSQL 15 lets nobody create.
    const [{ schema }] = await this.query<{ schema: string }>('SELECT current_schema() AS schema');
    await this.query(`GRANT USAGE, CREATE ON SCHEMA ${this.name(schema)} TO ${role}`);
  }

  async killConnections(
    count: number,
    pick: <T>(items: readonly T[]) => T,
  ): Promise<{ killed: number; midTransaction: number }> {
    const rows = await this.query<{ pid: number; trx: boolean }>(
      `SELECT pid, xact_start IS NOT NULL AS trx FROM pg_stat_activity
       WHERE usename = :user AND datname = current_database() AND pid <> pg_backend_pid()`,
      { user: this.user },
    );
    const inTransaction = rows.filter((row) => row.trx);
    const candidates = inTransaction.length > 0 ? inTransaction : rows;
    const result = { killed: 0, midTransaction: 0 };
    while (result.killed < count && candidates.length > 0) {
      const row = pick(candidates);
      candidates.splice(candidates.indexOf(row), 1);
      await this.query('SELECT pg_terminate_backend(:pid)', { pid: row.pid }).catch(
        () => undefined,
      );
      result.killed++;
      if (row.trx) result.midTransaction++;
    }
    return result;
  }

  /**
   * PostgreSQL has no gap locks (`FOR UPDATE` of absent keys locks nothing): the counterpart is
   * `LOCK TABLE … IN SHARE MODE`, which holds off every insert into the table, those keys' too.
   * Undefined when the inserts in flight kept it from the lock for over a second.
   */
  async holdRangeLock(
    table: string,
    _from: string,
    _to: string,
    holdMs: number,
  ): Promise<string | undefined> {
    const queryRunner = this.dataSource.createQueryRunner();
    try {
      await queryRunner.startTransaction();
      await queryRunner.query(`SET LOCAL lock_timeout = '${LOCK_WAIT}'`);
      const locked = await queryRunner.query(`LOCK TABLE ${this.name(table)} IN SHARE MODE`).then(
        () => true,
        () => false,
      );
      if (locked) await this.sleep(holdMs);
      await queryRunner.rollbackTransaction();
      return locked ? 'the whole table (no gap locks)' : undefined;
    } finally {
      await queryRunner.release();
    }
  }

  async dropTables(prefix: string): Promise<void> {
    const tables = await this.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_name LIKE :pattern`,
      { pattern: `${prefix.replace(/_/g, '\\_')}%` },
    );
    for (const { name } of tables)
      await this.query(`DROP TABLE IF EXISTS ${this.name(name)} CASCADE`);
  }

  /** What the role still owns (tables kept with HARNESS_KEEP) goes to the admin first. */
  async close(): Promise<void> {
    const role = this.name(this.user);
    await this.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`).catch(() => undefined);
    await this.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await this.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await this.dataSource.destroy();
  }
}
