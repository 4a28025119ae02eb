/** Names of the tables for a prefix. */
export function messagingTableNames(prefix: string): {
  outbox: string;
  inbox: string;
  subscriptions: string;
  deadLetters: string;
} {
  return {
    outbox: `${prefix}outbox`,
    inbox: `${prefix}inbox`,
    subscriptions: `${prefix}subscriptions`,
    deadLetters: `${prefix}dead_letters`,
  };
}

/** Tables added since the first version: an installation that has the outbox may lack them. */
export function addedTableNames(prefix: string): string[] {
  const { subscriptions, deadLetters } = messagingTableNames(prefix);
  return [subscriptions, deadLetters];
}

/** Columns a table created by an earlier version lacks, with the statement that adds each. */
export function addedColumnsSql(prefix: string): { table: string; column: string; sql: string }[] {
  const { outbox } = messagingTableNames(prefix);
  return [
    {
      table: outbox,
      column: 'dispatch_error',
      sql: `ALTER TABLE \`${outbox}\` ADD COLUMN \`dispatch_error\` TEXT NULL`,
    },
  ];
}

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
 */
export function createMessagingTablesSql(prefix: string): string[] {
  const { outbox, inbox, subscriptions, deadLetters } = messagingTableNames(prefix);
  return [
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
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    `CREATE TABLE IF NOT EXISTS \`${inbox}\` (
      \`endpoint\` VARCHAR(191) NOT NULL,
      \`message_id\` VARCHAR(64) NOT NULL,
      \`message_type\` VARCHAR(255) NOT NULL,
      \`processed_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`endpoint\`, \`message_id\`),
      KEY \`ix_processed_at\` (\`processed_at\`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    `CREATE TABLE IF NOT EXISTS \`${subscriptions}\` (
      \`message_type\` VARCHAR(255) NOT NULL,
      \`endpoint\` VARCHAR(191) NOT NULL,
      \`recorded_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`message_type\`, \`endpoint\`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
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
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  ];
}

export function dropMessagingTablesSql(prefix: string): string[] {
  const { outbox, inbox, subscriptions, deadLetters } = messagingTableNames(prefix);
  return [deadLetters, subscriptions, inbox, outbox].map(
    (table) => `DROP TABLE IF EXISTS \`${table}\``,
  );
}
