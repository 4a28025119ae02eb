import type { DataSource } from 'typeorm';
import { dialectOf } from './storage-dialects';

/**
 * Empties tables and resets their id counters, foreign keys notwithstanding: the test kit's fresh
 * state before each run. Never for a production database.
 */
export async function emptyTables(dataSource: DataSource, tables: string[]): Promise<void> {
  if (tables.length === 0) return;
  const { statements, after } = dialectOf(dataSource).testTables.empty(tables);
  const queryRunner = dataSource.createQueryRunner();
  try {
    for (const sql of statements) await queryRunner.query(sql);
  } finally {
    for (const sql of after) await queryRunner.query(sql).catch(() => undefined);
    await queryRunner.release();
  }
}

/** Every row of a table, as the driver returns it (the test kit's snapshots). */
export async function readRows(
  dataSource: DataSource,
  table: string,
): Promise<Record<string, unknown>[]> {
  const sql = dialectOf(dataSource).testTables.selectAll(table);
  return (await dataSource.query(sql)) as Record<string, unknown>[];
}
