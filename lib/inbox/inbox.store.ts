import { Inject, Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { MESSAGING_STATEMENTS, STORAGE_DIALECT } from '../consistent-messaging.constants';
import { MessagesHandledAlreadyError } from '../errors/messages-handled-already.error';
import type {
  DatabaseErrors,
  InboxStatements,
  MessagingStatements,
  StorageDialect,
} from '../storage/storage-dialect.interface';

/** The inbox table: one row per (endpoint, message id) handled. */
@Injectable()
export class InboxStore {
  private readonly sql: InboxStatements;
  private readonly errors: DatabaseErrors;

  constructor(
    @Inject(MESSAGING_STATEMENTS) statements: MessagingStatements,
    @Inject(STORAGE_DIALECT) dialect: StorageDialect,
  ) {
    this.sql = statements.inbox;
    this.errors = dialect.errors;
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
      return (await this.insert(queryRunner, endpoint, [{ id: messageId, type }])) === 1;
    } catch (error) {
      if (this.errors.isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /**
   * Records several messages with one insert (in id order, which makes deadlocks between batches
   * that share messages rarer). Throws if any of them was handled already, and the caller rolls
   * back.
   */
  async recordAll(
    queryRunner: QueryRunner,
    endpoint: string,
    messages: { id: string; type: string }[],
  ): Promise<void> {
    if (messages.length === 0) return;
    const sorted = [...messages].sort((a, b) => (a.id < b.id ? -1 : 1));
    const recorded = await this.insert(queryRunner, endpoint, sorted);
    if (recorded < sorted.length)
      throw new MessagesHandledAlreadyError(sorted.length - recorded, sorted.length);
  }

  private async insert(
    queryRunner: QueryRunner,
    endpoint: string,
    messages: { id: string; type: string }[],
  ): Promise<number> {
    const result: unknown = await queryRunner.query(
      this.sql.insert(messages.length),
      messages.flatMap((message) => [endpoint, message.id, message.type]),
    );
    return this.sql.recorded(result);
  }
}
