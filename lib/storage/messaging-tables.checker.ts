import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
} from '../consistent-messaging.constants';
import { MissingMessagingTablesError } from '../errors/missing-messaging-tables.error';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { createMessagingTablesSql, messagingTableNames } from './messaging-schema';

/** At startup: creates the tables when asked to, else fails fast if they are missing. */
@Injectable()
export class MessagingTablesChecker {
  private readonly logger = new Logger('ConsistentMessaging');

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
  ) {}

  async ensure(): Promise<void> {
    if (this.options.createTables) {
      for (const sql of createMessagingTablesSql(this.options.tablePrefix))
        await this.dataSource.query(sql);
      return;
    }
    const wanted = Object.values(messagingTableNames(this.options.tablePrefix));
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?)`,
      wanted,
    );
    const found = new Set(rows.map((row) => row.name));
    const missing = wanted.filter((table) => !found.has(table));
    if (missing.length > 0) throw new MissingMessagingTablesError(missing);
    this.logger.debug(`Tables ${wanted.join(', ')} found`);
  }
}
