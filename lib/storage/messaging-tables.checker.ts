import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
} from '../consistent-messaging.constants';
import { MissingMessagingTablesError } from '../errors/missing-messaging-tables.error';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import {
  addedColumnsSql,
  addedTableNames,
  createMessagingTablesSql,
  messagingTableNames,
} from './messaging-schema';

/** At startup: creates the tables when asked to, else fails fast if they are missing. */
@Injectable()
export class MessagingTablesChecker {
  private readonly logger = new Logger('ConsistentMessaging');

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
  ) {}

  async ensure(): Promise<void> {
    const prefix = this.options.tablePrefix;
    if (this.options.createTables) {
      for (const sql of createMessagingTablesSql(prefix)) await this.dataSource.query(sql);
      for (const { sql } of await this.missingColumns()) await this.dataSource.query(sql);
      return;
    }
    const wanted = Object.values(messagingTableNames(prefix));
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${wanted.map(() => '?').join(', ')})`,
      wanted,
    );
    const found = new Set(rows.map((row) => row.name));
    const missing = wanted.filter((table) => !found.has(table));
    // Tables of an earlier version: the statements that bring them up to date, not the migration.
    const upgrade = found.has(messagingTableNames(prefix).outbox)
      ? missing.filter((table) => addedTableNames(prefix).includes(table))
      : [];
    const creating = (tables: string[]) =>
      createMessagingTablesSql(prefix).filter((sql) =>
        tables.some((table) => sql.includes(`\`${table}\``)),
      );
    const alterations = [
      ...creating(upgrade),
      ...(await this.missingColumns()).map((column) => column.sql),
    ];
    const absent = missing.filter((table) => !upgrade.includes(table));
    if (absent.length > 0 || alterations.length > 0)
      throw new MissingMessagingTablesError(absent, creating(absent), alterations);
    this.logger.debug(`Tables ${wanted.join(', ')} found`);
  }

  /** Columns added since the tables were first created, that these tables lack. */
  private async missingColumns(): Promise<ReturnType<typeof addedColumnsSql>> {
    const added = addedColumnsSql(this.options.tablePrefix);
    const rows: { tableName: string; columnName: string }[] = await this.dataSource.query(
      `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS columnName FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${added.map(() => '?').join(', ')})`,
      added.map((column) => column.table),
    );
    const tables = new Set(rows.map((row) => row.tableName));
    const found = new Set(rows.map((row) => `${row.tableName}.${row.columnName}`));
    return added.filter(
      (column) => tables.has(column.table) && !found.has(`${column.table}.${column.column}`),
    );
  }
}
