import { randomBytes } from 'crypto';
import { DataSource } from 'typeorm';
import { adminDb } from './harness.config';

/**
 * The harness's root connection: creates the run's own MySQL user (so its connections can be found
 * in PROCESSLIST and killed without touching anyone else's), kills them, drops the run's tables.
 */
export class MysqlAdmin {
  readonly user = `h_${randomBytes(4).toString('hex')}`;
  readonly password = randomBytes(8).toString('hex');
  private readonly dataSource = new DataSource({ type: 'mysql', ...adminDb });

  async open(): Promise<void> {
    await this.dataSource.initialize();
    for (const host of ['%', 'localhost', '127.0.0.1']) {
      await this.dataSource.query(`CREATE USER '${this.user}'@'${host}' IDENTIFIED BY ?`, [
        this.password,
      ]);
      await this.dataSource.query(
        `GRANT ALL PRIVILEGES ON \`${adminDb.database}\`.* TO '${this.user}'@'${host}'`,
      );
    }
  }

  query<T>(sql: string, parameters: unknown[] = []): Promise<T[]> {
    return this.dataSource.query(sql, parameters);
  }

  /**
   * Kills up to `count` connections of the run's user, preferring those inside a transaction.
   * Says how many were killed and how many of those were mid-transaction.
   */
  async killConnections(
    count: number,
    pick: <T>(items: readonly T[]) => T,
  ): Promise<{ killed: number; midTransaction: number }> {
    const rows = await this.query<{ id: string; trx: string | null }>(
      `SELECT p.ID AS id, t.trx_id AS trx FROM information_schema.PROCESSLIST p
       LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
       WHERE p.USER = ?`,
      [this.user],
    );
    const inTransaction = rows.filter((row) => row.trx !== null);
    const candidates = inTransaction.length > 0 ? inTransaction : rows;
    const result = { killed: 0, midTransaction: 0 };
    while (result.killed < count && candidates.length > 0) {
      const row = pick(candidates);
      candidates.splice(candidates.indexOf(row), 1);
      await this.query(`KILL ${Number(row.id)}`).catch(() => undefined);
      result.killed++;
      if (row.trx !== null) result.midTransaction++;
    }
    return result;
  }

  /**
   * Locks the rows and gaps of `table` for keys in [from, to] for `holdMs`, in a transaction of
   * its own: inserts of those keys wait and, past the session's lock wait timeout, fail.
   */
  async holdRangeLock(table: string, from: string, to: string, holdMs: number): Promise<void> {
    const queryRunner = this.dataSource.createQueryRunner();
    try {
      await queryRunner.startTransaction();
      await queryRunner.query(
        `SELECT id FROM \`${table}\` WHERE \`key\` >= ? AND \`key\` <= ? FOR UPDATE`,
        [from, to],
      );
      await new Promise((resolve) => setTimeout(resolve, holdMs));
      await queryRunner.rollbackTransaction();
    } finally {
      await queryRunner.release();
    }
  }

  async dropTables(prefix: string): Promise<void> {
    const tables = await this.query<{ name: string }>(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ?`,
      [`${prefix.replace(/_/g, '\\_')}%`],
    );
    for (const { name } of tables) await this.query(`DROP TABLE IF EXISTS \`${name}\``);
  }

  async close(): Promise<void> {
    for (const host of ['%', 'localhost', '127.0.0.1'])
      await this.query(`DROP USER IF EXISTS '${this.user}'@'${host}'`).catch(() => undefined);
    await this.dataSource.destroy();
  }
}
