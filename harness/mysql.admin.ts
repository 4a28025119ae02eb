import { DataSource } from 'typeorm';
import { DatabaseAdmin } from './database.admin';
import type { DatabaseConnection } from '../test/support/services';

/** MySQL/MariaDB: the run's user is found in PROCESSLIST and its connections ended with `KILL`. */
export class MysqlAdmin extends DatabaseAdmin {
  constructor(root: DatabaseConnection) {
    super(root, new DataSource({ ...root, type: 'mysql' }));
  }

  async open(): Promise<void> {
    await this.dataSource.initialize();
    for (const host of ['%', 'localhost', '127.0.0.1']) {
      await this.query(`CREATE USER '${this.user}'@'${host}' IDENTIFIED BY :password`, {
        password: this.password,
      });
      await this.query(
        `GRANT ALL PRIVILEGES ON ${this.name(this.root.database)}.* TO '${this.user}'@'${host}'`,
      );
    }
  }

  async killConnections(
    count: number,
    pick: <T>(items: readonly T[]) => T,
  ): Promise<{ killed: number; midTransaction: number }> {
    const rows = await this.query<{ id: string; trx: string | null }>(
      `SELECT p.ID AS id, t.trx_id AS trx FROM information_schema.PROCESSLIST p
       LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
       WHERE p.USER = :user`,
      { user: this.user },
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

  /** `SELECT … FOR UPDATE` of the range: InnoDB's gap locks hold off inserts of those keys only. */
  async holdRangeLock(table: string, from: string, to: string, holdMs: number): Promise<string> {
    const queryRunner = this.dataSource.createQueryRunner();
    try {
      await queryRunner.startTransaction();
      await queryRunner.query(
        `SELECT id FROM ${this.name(table)} WHERE \`key\` >= ? AND \`key\` <= ? FOR UPDATE`,
        [from, to],
      );
      await this.sleep(holdMs);
      await queryRunner.rollbackTransaction();
    } finally {
      await queryRunner.release();
    }
    return `keys ${from}..${to}`;
  }

  async dropTables(prefix: string): Promise<void> {
    const tables = await this.query<{ name: string }>(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE :pattern`,
      { pattern: `${prefix.replace(/_/g, '\\_')}%` },
    );
    for (const { name } of tables) await this.query(`DROP TABLE IF EXISTS ${this.name(name)}`);
  }

  async close(): Promise<void> {
    for (const host of ['%', 'localhost', '127.0.0.1'])
      await this.query(`DROP USER IF EXISTS '${this.user}'@'${host}'`).catch(() => undefined);
    await this.dataSource.destroy();
  }
}
