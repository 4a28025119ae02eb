import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  addedColumnsSql,
  createMessagingTablesSql,
  dropMessagingTablesSql,
} from './messaging-schema';

/**
 * When the tables last changed. TypeORM takes a migration's last 13 characters as its timestamp
 * and runs each name once, so a version that adds tables or columns moves this forward: the
 * migration runs once more and adds what an earlier version's tables lack.
 */
const SCHEMA_TIMESTAMP = 1796169600000;

/**
 * A TypeORM migration class creating the library's tables for a table prefix, or bringing those of
 * an earlier version up to date. Add the returned class to your data source's `migrations`.
 */
export function createMessagingMigration(tablePrefix = 'cm_'): new () => MigrationInterface {
  return class CreateConsistentMessagingTables implements MigrationInterface {
    // Its own name per prefix, with the timestamp last, whatever the prefix ends with.
    readonly name = `CreateConsistentMessagingTables_${tablePrefix}_${SCHEMA_TIMESTAMP}`;

    async up(queryRunner: QueryRunner): Promise<void> {
      for (const sql of createMessagingTablesSql(tablePrefix)) await queryRunner.query(sql);
      for (const { table, column, sql } of addedColumnsSql(tablePrefix))
        if (!(await queryRunner.hasColumn(table, column))) await queryRunner.query(sql);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      for (const sql of dropMessagingTablesSql(tablePrefix)) await queryRunner.query(sql);
    }
  };
}
