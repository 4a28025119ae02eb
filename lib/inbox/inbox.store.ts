import { Inject, Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { messagingTableNames } from '../storage/messaging-schema';
import { MysqlErrno, mysqlErrno } from '../storage/mysql-errors';

/** SQL access to the inbox table: one row per (endpoint, message id) handled. */
@Injectable()
export class InboxStore {
  private readonly table: string;

  constructor(@Inject(CONSISTENT_MESSAGING_OPTIONS) options: ResolvedMessagingOptions) {
    this.table = `\`${messagingTableNames(options.tablePrefix).inbox}\``;
  }

  /**
   * Records the message in the caller's transaction. Returns false if the endpoint already handled
   * it. A concurrent copy waits on the row lock until the first transaction ends, then sees the
   * duplicate (first committed) or records it (first rolled back).
   */
  async tryRecord(
    queryRunner: QueryRunner,
    endpoint: string,
    messageId: string,
    type: string,
  ): Promise<boolean> {
    try {
      await this.recordAll(queryRunner, endpoint, [{ id: messageId, type }]);
      return true;
    } catch (error) {
      if (mysqlErrno(error) === MysqlErrno.duplicateKey) return false;
      throw error;
    }
  }

  /**
   * Records several messages with one insert (in id order, which makes deadlocks between batches
   * that share messages rarer). Throws if any of them was handled already: the statement inserts
   * nothing then, and the caller rolls back.
   */
  async recordAll(
    queryRunner: QueryRunner,
    endpoint: string,
    messages: { id: string; type: string }[],
  ): Promise<void> {
    const sorted = [...messages].sort((a, b) => (a.id < b.id ? -1 : 1));
    await queryRunner.query(
      `INSERT INTO ${this.table} (endpoint, message_id, message_type)
       VALUES ${sorted.map(() => '(?, ?, ?)').join(', ')}`,
      sorted.flatMap((message) => [endpoint, message.id, message.type]),
    );
  }
}
