import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTablesSql, dropMessagingTablesSql } from './messaging-schema';

/**
 * A TypeORM migration class creating the outbox and inbox tables for a table prefix. Add the returned
 * class to your data source's `migrations`.
 */
export function createMessagingMigration(tablePrefix = 'cm_'): new () => MigrationInterface {
  return class CreateConsistentMessagingTables1764201600000 implements MigrationInterface {
    readonly name = `CreateConsistentMessagingTables1764201600000_${tablePrefix}`;

    async up(queryRunner: QueryRunner): Promise<void> {
      for (const sql of createMessagingTablesSql(tablePrefix)) await queryRunner.query(sql);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      for (const sql of dropMessagingTablesSql(tablePrefix)) await queryRunner.query(sql);
    }
  };
}
