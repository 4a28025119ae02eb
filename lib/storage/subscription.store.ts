import { Inject, Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { MESSAGING_STATEMENTS } from '../consistent-messaging.constants';
import type { MessagingStatements, SubscriptionStatements } from './storage-dialect.interface';

/** The subscribers this endpoint remembers dispatching to. */
@Injectable()
export class SubscriptionStore {
  private readonly sql: SubscriptionStatements;

  constructor(@Inject(MESSAGING_STATEMENTS) statements: MessagingStatements) {
    this.sql = statements.subscriptions;
  }

  async subscribersOf(queryRunner: QueryRunner, type: string): Promise<string[]> {
    const rows: { endpoint: string }[] = await queryRunner.query(this.sql.subscribersOf, [type]);
    return rows.map((row) => row.endpoint);
  }

  async remember(queryRunner: QueryRunner, type: string, endpoints: string[]): Promise<void> {
    if (endpoints.length === 0) return;
    await queryRunner.query(
      this.sql.remember(endpoints.length),
      endpoints.flatMap((endpoint) => [type, endpoint]),
    );
  }

  async forget(queryRunner: QueryRunner, type: string, endpoints: string[]): Promise<void> {
    if (endpoints.length === 0) return;
    await queryRunner.query(this.sql.forget(endpoints.length), [type, ...endpoints]);
  }
}
