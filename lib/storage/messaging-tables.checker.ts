import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
  MESSAGING_STATEMENTS,
} from '../consistent-messaging.constants';
import { MissingMessagingTablesError } from '../errors/missing-messaging-tables.error';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { addedTableNames, messagingTableNames } from './messaging-table-names';
import type {
  AddedColumn,
  MessagingStatements,
  SchemaStatements,
} from './storage-dialect.interface';

/** At startup: creates the tables when asked to, else fails fast if they are missing. */
@Injectable()
export class MessagingTablesChecker {
  private readonly logger = new Logger('ConsistentMessaging');
  private readonly sql: SchemaStatements;

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    @Inject(MESSAGING_STATEMENTS) statements: MessagingStatements,
  ) {
    this.sql = statements.schema;
  }

  async ensure(): Promise<void> {
    const tables = messagingTableNames(this.options.tablePrefix);
    const wanted = Object.values(tables);
    const found = await this.existingTables(wanted);
    const missing = wanted.filter((table) => !found.has(table));
    if (this.options.createTables) return this.create(missing);
    // Tables of an earlier version: the statements that bring them up to date, not the migration.
    const upgrade = found.has(tables.outbox)
      ? missing.filter((table) => addedTableNames(tables).includes(table))
      : [];
    const alterations = [
      ...this.creating(upgrade),
      ...(await this.missingColumns()).map((column) => column.sql),
    ];
    const absent = missing.filter((table) => !upgrade.includes(table));
    if (absent.length > 0 || alterations.length > 0)
      throw new MissingMessagingTablesError(absent, this.creating(absent), alterations);
    this.logger.debug(`Tables ${wanted.join(', ')} found`);
  }

  /**
   * Creates the missing tables, each with its indexes in one transaction where DDL is
   * transactional (PostgreSQL), and adds missing columns. Tables that exist are left alone: DDL on
   * them, even `CREATE INDEX IF NOT EXISTS`, can wait behind the open transactions of instances
   * already running, and every statement on the table then queues behind it.
   */
  private async create(missing: string[]): Promise<void> {
    for (const { table, sql } of this.sql.create) {
      if (!missing.includes(table)) continue;
      await this.dataSource.transaction(async (manager) => {
        for (const statement of sql) await manager.query(statement);
      });
    }
    for (const { sql } of await this.missingColumns()) await this.dataSource.query(sql);
  }

  private async existingTables(wanted: string[]): Promise<Set<string>> {
    const rows: { name: string }[] = await this.dataSource.query(
      this.sql.existingTables(wanted.length),
      wanted,
    );
    return new Set(rows.map((row) => row.name));
  }

  /** The statements that create these tables. */
  private creating(tables: string[]): string[] {
    return this.sql.create.filter(({ table }) => tables.includes(table)).flatMap(({ sql }) => sql);
  }

  /** Columns added since the tables were first created, that these tables lack. */
  private async missingColumns(): Promise<AddedColumn[]> {
    const added = this.sql.addedColumns;
    if (added.length === 0) return [];
    const rows: { table_name: string; column_name: string }[] = await this.dataSource.query(
      this.sql.columnsOf(added.length),
      added.map((column) => column.table),
    );
    const tables = new Set(rows.map((row) => row.table_name));
    const found = new Set(rows.map((row) => `${row.table_name}.${row.column_name}`));
    return added.filter(
      (column) => tables.has(column.table) && !found.has(`${column.table}.${column.column}`),
    );
  }
}
