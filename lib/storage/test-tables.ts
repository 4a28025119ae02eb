import type { DataSource } from 'typeorm';

/**
 * Empties tables and resets their auto-increment counters, foreign keys notwithstanding: the test
 * kit's fresh state before each run. Never for a production database.
 */
export async function emptyTables(dataSource: DataSource, tables: string[]): Promise<void> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    await queryRunner.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const table of tables) await queryRunner.query(`TRUNCATE TABLE \`${table}\``);
  } finally {
    await queryRunner.query('SET FOREIGN_KEY_CHECKS = 1').catch(() => undefined);
    await queryRunner.release();
  }
}

/** Every row of a table, as the driver returns it (the test kit's snapshots). */
export async function readRows(
  dataSource: DataSource,
  table: string,
): Promise<Record<string, unknown>[]> {
  return (await dataSource.query(`SELECT * FROM \`${table}\``)) as Record<string, unknown>[];
}
