import type { MessagingTableNames } from '../messaging-table-names';
import { placeholders } from '../placeholders';
import type { SchemaStatements, TestTableStatements } from '../storage-dialect.interface';

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

/**
 * DDL accepted by MySQL 8 and MariaDB 10.6+. Indexes:
 * - outbox `ix_pending (dispatched_at, id)`: the sweeper's claim reads only pending rows in id order,
 *   and cleanup reads only dispatched rows older than a date; neither scans the table.
 * - outbox `ix_causation`: finds what a message caused, to re-dispatch it when a duplicate arrives.
 * - outbox `ix_correlation`: every message of one business process.
 * - outbox `dispatch_error`: set on a row that can never be dispatched; the relay skips it.
 * - inbox primary key `(endpoint, message_id)`: the duplicate check is the insert itself.
 * - inbox `ix_processed_at`: cleanup by age.
 * - subscriptions: the event subscribers this endpoint has dispatched to, remembered beside the
 *   outbox so that a Redis that lost its subscriptions is noticed (see SubscriptionRegistry).
 * - dead letters `ix_endpoint (endpoint, id)`: the newest-first list; `ix_failed_at`: cleanup.
 * - ordering: `ix_updated_at` finds idle keys for cleanup; parked `ix_previous` finds the message
 *   that follows one just handled, `ix_parked_at` those whose release a crash lost.
 */
export function mysqlSchemaStatements(tables: MessagingTableNames): SchemaStatements {
  const { outbox, inbox, subscriptions, deadLetters } = tables;
  const { orderingSequences, orderingPositions, orderingParked } = tables;
  return {
    create: [
      {
        table: outbox,
        sql: [
          `CREATE TABLE IF NOT EXISTS \`${outbox}\` (
      \`id\` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      \`message_id\` VARCHAR(64) NOT NULL,
      \`message_type\` VARCHAR(255) NOT NULL,
      \`destination\` VARCHAR(255) NULL,
      \`payload\` LONGTEXT NOT NULL,
      \`headers\` TEXT NOT NULL,
      \`origin_endpoint\` VARCHAR(255) NOT NULL,
      \`causation_id\` VARCHAR(64) NULL,
      \`correlation_id\` VARCHAR(64) NOT NULL,
      \`created_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      \`dispatched_at\` DATETIME(3) NULL,
      \`dispatch_error\` TEXT NULL,
      PRIMARY KEY (\`id\`),
      UNIQUE KEY \`ux_message_id\` (\`message_id\`),
      KEY \`ix_pending\` (\`dispatched_at\`, \`id\`),
      KEY \`ix_causation\` (\`causation_id\`),
      KEY \`ix_correlation\` (\`correlation_id\`, \`id\`)
    ) ${TABLE_OPTIONS}`,
        ],
      },
      {
        table: inbox,
        sql: [
          `CREATE TABLE IF NOT EXISTS \`${inbox}\` (
      \`endpoint\` VARCHAR(191) NOT NULL,
      \`message_id\` VARCHAR(64) NOT NULL,
      \`message_type\` VARCHAR(255) NOT NULL,
      \`processed_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`endpoint\`, \`message_id\`),
      KEY \`ix_processed_at\` (\`processed_at\`)
    ) ${TABLE_OPTIONS}`,
        ],
      },
      {
        table: subscriptions,
        sql: [
          `CREATE TABLE IF NOT EXISTS \`${subscriptions}\` (
      \`message_type\` VARCHAR(255) NOT NULL,
      \`endpoint\` VARCHAR(191) NOT NULL,
      \`recorded_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`message_type\`, \`endpoint\`)
    ) ${TABLE_OPTIONS}`,
        ],
      },
      {
        table: deadLetters,
        sql: [
          `CREATE TABLE IF NOT EXISTS \`${deadLetters}\` (
      \`id\` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      \`endpoint\` VARCHAR(191) NOT NULL,
      \`message_id\` VARCHAR(191) NOT NULL,
      \`message_type\` VARCHAR(255) NOT NULL,
      \`envelope\` LONGTEXT NOT NULL,
      \`envelope_bytes\` BIGINT UNSIGNED NOT NULL,
      \`envelope_truncated\` TINYINT(1) NOT NULL DEFAULT 0,
      \`unreadable\` TINYINT(1) NOT NULL DEFAULT 0,
      \`headers\` TEXT NULL,
      \`error\` TEXT NOT NULL,
      \`stack\` TEXT NULL,
      \`attempts\` INT UNSIGNED NOT NULL,
      \`failed_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`id\`),
      UNIQUE KEY \`ux_message\` (\`endpoint\`, \`message_id\`),
      KEY \`ix_endpoint\` (\`endpoint\`, \`id\`),
      KEY \`ix_failed_at\` (\`failed_at\`)
    ) ${TABLE_OPTIONS}`,
        ],
      },
      {
        table: orderingSequences,
        sql: [
          `CREATE TABLE IF NOT EXISTS \`${orderingSequences}\` (
      \`origin_endpoint\` VARCHAR(191) NOT NULL,
      \`destination\` VARCHAR(191) NOT NULL,
      \`ordering_key\` VARCHAR(191) NOT NULL,
      \`last_sequence\` BIGINT UNSIGNED NOT NULL,
      \`updated_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`origin_endpoint\`, \`destination\`, \`ordering_key\`),
      KEY \`ix_updated_at\` (\`updated_at\`)
    ) ${TABLE_OPTIONS}`,
        ],
      },
      {
        table: orderingPositions,
        sql: [
          `CREATE TABLE IF NOT EXISTS \`${orderingPositions}\` (
      \`endpoint\` VARCHAR(191) NOT NULL,
      \`origin_endpoint\` VARCHAR(191) NOT NULL,
      \`ordering_key\` VARCHAR(191) NOT NULL,
      \`last_sequence\` BIGINT UNSIGNED NOT NULL DEFAULT 0,
      \`parked\` INT UNSIGNED NOT NULL DEFAULT 0,
      \`updated_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`endpoint\`, \`origin_endpoint\`, \`ordering_key\`),
      KEY \`ix_updated_at\` (\`updated_at\`)
    ) ${TABLE_OPTIONS}`,
        ],
      },
      {
        table: orderingParked,
        sql: [
          `CREATE TABLE IF NOT EXISTS \`${orderingParked}\` (
      \`endpoint\` VARCHAR(191) NOT NULL,
      \`origin_endpoint\` VARCHAR(191) NOT NULL,
      \`ordering_key\` VARCHAR(191) NOT NULL,
      \`sequence\` BIGINT UNSIGNED NOT NULL,
      \`previous\` BIGINT UNSIGNED NOT NULL,
      \`message_id\` VARCHAR(191) NOT NULL,
      \`envelope\` LONGTEXT NOT NULL,
      \`parked_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`endpoint\`, \`origin_endpoint\`, \`ordering_key\`, \`sequence\`),
      KEY \`ix_previous\` (\`endpoint\`, \`origin_endpoint\`, \`ordering_key\`, \`previous\`),
      KEY \`ix_parked_at\` (\`endpoint\`, \`parked_at\`)
    ) ${TABLE_OPTIONS}`,
        ],
      },
    ],
    drop: [
      orderingParked,
      orderingPositions,
      orderingSequences,
      deadLetters,
      subscriptions,
      inbox,
      outbox,
    ].map((table) => `DROP TABLE IF EXISTS \`${table}\``),
    addedColumns: [
      {
        table: outbox,
        column: 'dispatch_error',
        sql: `ALTER TABLE \`${outbox}\` ADD COLUMN \`dispatch_error\` TEXT NULL`,
      },
    ],
    existingTables: (count) =>
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${placeholders(count)})`,
    columnsOf: (count) =>
      `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${placeholders(count)})`,
  };
}

export const mysqlTestTableStatements: TestTableStatements = {
  // Foreign keys notwithstanding: the test kit's fresh state.
  empty: (names) => ({
    statements: [
      'SET FOREIGN_KEY_CHECKS = 0',
      ...names.map((table) => `TRUNCATE TABLE \`${table}\``),
    ],
    after: ['SET FOREIGN_KEY_CHECKS = 1'],
  }),
  selectAll: (table) => `SELECT * FROM \`${table}\``,
};
