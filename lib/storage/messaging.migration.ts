import type { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTableNames } from './messaging-table-names';
import type { SchemaStatements } from './storage-dialect.interface';
import { dialectOf } from './storage-dialects';

/**
 * When the tables last changed. TypeORM takes a migration's last 13 characters as its timestamp
 * and runs each name once, so a version that adds tables or columns moves this forward: the
 * migration runs once more and adds what an earlier version's tables lack.
 */
const SCHEMA_TIMESTAMP = 1796256000000;

/**
 * A TypeORM migration class creating the library's tables for a table prefix, or bringing those of
 * an earlier version up to date, in the dialect of the data source it runs on. Add the returned
 * class to your data source's `migrations`.
 */
export function createMessagingMigration(tablePrefix = 'cm_'): new () => MigrationInterface {
  const schemaOf = (queryRunner: QueryRunner): SchemaStatements =>
    dialectOf(queryRunner.connection).statements(messagingTableNames(tablePrefix)).schema;
  return class CreateConsistentMessagingTables implements MigrationInterface {
    // Its own name per prefix, with the timestamp last, whatever the prefix ends with.
    readonly name = `CreateConsistentMessagingTables_${tablePrefix}_${SCHEMA_TIMESTAMP}`;

    async up(queryRunner: QueryRunner): Promise<void> {
      const schema = schemaOf(queryRunner);
      for (const sql of schema.create.flatMap((table) => table.sql)) await queryRunner.query(sql);
      for (const { table, column, sql } of schema.addedColumns)
        if (!(await queryRunner.hasColumn(table, column))) await queryRunner.query(sql);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      for (const sql of schemaOf(queryRunner).drop) await queryRunner.query(sql);
    }
  };
}
