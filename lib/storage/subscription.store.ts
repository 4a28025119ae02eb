import { Inject, Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { messagingTableNames } from './messaging-schema';

/** SQL access to the subscribers this endpoint remembers dispatching to (MySQL / MariaDB dialect). */
@Injectable()
export class SubscriptionStore {
  private readonly table: string;

  constructor(@Inject(CONSISTENT_MESSAGING_OPTIONS) options: ResolvedMessagingOptions) {
    this.table = `\`${messagingTableNames(options.tablePrefix).subscriptions}\``;
  }

  async subscribersOf(queryRunner: QueryRunner, type: string): Promise<string[]> {
    const rows: { endpoint: string }[] = await queryRunner.query(
      `SELECT endpoint FROM ${this.table} WHERE message_type = ?`,
      [type],
    );
    return rows.map((row) => row.endpoint);
  }

  async remember(queryRunner: QueryRunner, type: string, endpoints: string[]): Promise<void> {
    if (endpoints.length === 0) return;
    await queryRunner.query(
      `INSERT IGNORE INTO ${this.table} (message_type, endpoint) VALUES ${endpoints.map(() => '(?, ?)').join(', ')}`,
      endpoints.flatMap((endpoint) => [type, endpoint]),
    );
  }

  async forget(queryRunner: QueryRunner, type: string, endpoints: string[]): Promise<void> {
    if (endpoints.length === 0) return;
    await queryRunner.query(
      `DELETE FROM ${this.table} WHERE message_type = ? AND endpoint IN (${endpoints.map(() => '?').join(', ')})`,
      [type, ...endpoints],
    );
  }
}
