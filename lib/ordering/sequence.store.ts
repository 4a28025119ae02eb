import { Inject, Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { MESSAGING_STATEMENTS } from '../consistent-messaging.constants';
import type { MessagingStatements, OrderingStatements } from '../storage/storage-dialect.interface';

/** The first of the numbers taken, and the number before it (0 when the key starts). */
export interface TakenSequences {
  first: number;
  previous: number;
}

/**
 * The senders' ordering table: the last sequence number of each (origin endpoint, destination,
 * ordering key). Taking numbers locks the key's row until the transaction ends, so a second unit
 * recording for the same key waits for the first to commit: numbers follow commit order.
 */
@Injectable()
export class SequenceStore {
  private readonly sql: OrderingStatements;

  constructor(@Inject(MESSAGING_STATEMENTS) statements: MessagingStatements) {
    this.sql = statements.ordering;
  }

  /**
   * Takes the next `count` numbers of a key at a destination. A key without a row (new, or
   * deleted by retention after it was idle) starts a new run at the current time in
   * microseconds, above any number an earlier run of it reached.
   */
  async take(
    queryRunner: QueryRunner,
    origin: string,
    destination: string,
    key: string,
    count: number,
  ): Promise<TakenSequences> {
    const start = Date.now() * 1000;
    const result: unknown = await queryRunner.query(this.sql.nextSequence, [
      origin,
      destination,
      key,
      start + count - 1,
      count,
    ]);
    const { last, created } = this.sql.sequenceOf(result);
    const first = last - count + 1;
    return { first, previous: created ? 0 : first - 1 };
  }
}
