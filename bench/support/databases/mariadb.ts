import { readFileSync } from 'fs';
import type { DataSource } from 'typeorm';
import { createMessagingTablesSql } from '../../../lib';
import { databaseConnection } from '../../../test/support/services';
import type { BenchDatabase } from '../bench-database';
import { processCpuMs } from '../proc-cpu';
import { MariadbBulkRows } from './mariadb.bulk-rows';

/** `SHOW GLOBAL STATUS` counters the bench reads. */
const STATUS_VARIABLES = [
  'Questions',
  'Com_begin',
  'Com_commit',
  'Com_rollback',
  'Com_insert',
  'Com_insert_select',
  'Com_update',
  'Com_delete',
  'Com_select',
  'Innodb_buffer_pool_reads',
  'Innodb_pages_written',
];

/** MariaDB or MySQL (the tests' server), overridden with DB_* variables. */
export const mariadb: BenchDatabase = {
  name: 'mariadb',
  label: 'MariaDB',
  connection: databaseConnection('mariadb'),
  serverProcess: 'mysqld',
  backgroundWork: 'InnoDB purge',

  quote: (identifier) => `\`${identifier}\``,
  parameter: () => '?',
  analyzeSql: (tables) => `ANALYZE TABLE ${tables.map((table) => `\`${table}\``).join(', ')}`,
  bulkRows: (admin, prefix) => new MariadbBulkRows(admin, prefix),
  settleWrites: settleInnodbFlushing,
  bufferMisses: { counter: 'Innodb_buffer_pool_reads', label: 'InnoDB reads from disk' },

  createTablesSql: (prefix) => [
    `CREATE TABLE IF NOT EXISTS \`${prefix}row\` (
      \`id\` BIGINT NOT NULL AUTO_INCREMENT,
      \`message_id\` VARCHAR(64) NOT NULL,
      \`amount_cents\` INT NOT NULL,
      \`created_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (\`id\`)
    ) ENGINE=InnoDB`,
    ...createMessagingTablesSql(prefix, 'mysql'),
  ],

  emptyTableSql: (table) => `TRUNCATE TABLE \`${table}\``,

  async tablesStartingWith(admin, prefix) {
    const tables: { name: string }[] = await admin.query(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ?`,
      [`${prefix.replace(/_/g, '\\_')}%`],
    );
    return tables.map((table) => table.name);
  },

  async counters(admin) {
    const rows: { Variable_name: string; Value: string }[] = await admin.query(
      `SHOW GLOBAL STATUS WHERE Variable_name IN (${STATUS_VARIABLES.map(() => '?').join(', ')})`,
      STATUS_VARIABLES,
    );
    return Object.fromEntries(rows.map((row) => [row.Variable_name, Number(row.Value)]));
  },

  async cpuReader(admin) {
    let pid: number | undefined;
    try {
      const [{ file }]: { file: string }[] = await admin.query('SELECT @@pid_file AS file');
      pid = Number(readFileSync(file, 'utf8').trim()) || undefined;
    } catch {
      pid = undefined;
    }
    return () => (pid ? processCpuMs(pid) : undefined);
  },

  /**
   * Until InnoDB has purged what earlier runs deleted or updated: the history list is short, or
   * stops shrinking for two seconds (an open transaction elsewhere holds it).
   */
  async settle(admin, maxMs) {
    const started = Date.now();
    let best = Infinity;
    let bestAt = started;
    while (Date.now() - started < maxMs) {
      const length = await status(admin, 'Innodb_history_list_length');
      if (length < 1000) break;
      if (length < best * 0.98) {
        best = length;
        bestAt = Date.now();
      } else if (Date.now() - bestAt > 2000) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return Date.now() - started;
  },

  async describe(admin) {
    const [server]: Record<string, string>[] = await admin.query(
      `SELECT VERSION() AS version, @@innodb_buffer_pool_size AS bufferPool,
         @@innodb_flush_log_at_trx_commit AS flushLogAtCommit`,
    );
    return {
      mariadb: server.version,
      innodbBufferPoolMb: Number(server.bufferPool) / 1024 / 1024,
      innodbFlushLogAtTrxCommit: Number(server.flushLogAtCommit),
    };
  },
};

/**
 * Waits up to `maxMs` until InnoDB has written most dirty pages back, or stops making progress for
 * five seconds (other clients keep dirtying pages), so the next timed run doesn't share the disk
 * and CPU with the page cleaner. Returns the wait.
 */
async function settleInnodbFlushing(admin: DataSource, maxMs: number): Promise<number> {
  const started = Date.now();
  const total = await status(admin, 'Innodb_buffer_pool_pages_total');
  let best = Infinity;
  let bestAt = started;
  while (Date.now() - started < maxMs) {
    const dirty = await status(admin, 'Innodb_buffer_pool_pages_dirty');
    if (dirty < 0.05 * total) break;
    if (dirty < best * 0.95) {
      best = dirty;
      bestAt = Date.now();
    } else if (Date.now() - bestAt > 5000) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return Date.now() - started;
}

async function status(admin: DataSource, name: string): Promise<number> {
  const [{ Value }]: { Value: string }[] = await admin.query(`SHOW GLOBAL STATUS LIKE ?`, [name]);
  return Number(Value);
}
