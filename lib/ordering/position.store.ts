import { Inject, Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { MESSAGING_STATEMENTS } from '../consistent-messaging.constants';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import { affectedRows } from '../storage/affected-rows';
import type {
  KeyPosition,
  MessagingStatements,
  OrderingStatements,
} from '../storage/storage-dialect.interface';
import type { OrderedPlace } from './ordering-headers';

/** One key as the ordering tables name it, with the endpoint it is about. */
export type KeyRef = Pick<OrderedPlace, 'originEndpoint' | 'key'>;

/** A key of an endpoint with parked messages, as `blockedKeys` reads it. */
export interface ParkedKey {
  originEndpoint: string;
  key: string;
  last: number;
  parked: number;
  waitingFor: number | null;
  since: Date;
}

/** A parked message whose turn has come, and the key's position it was released at. */
export interface Releasable {
  envelope: MessageEnvelope;
  releasedAt: number;
}

/**
 * The receivers' ordering tables: each endpoint's position on each key (origin endpoint, ordering
 * key), and the messages parked until their predecessor is handled. Everything runs in the
 * caller's transaction; `lock` holds the key's position until it ends.
 */
@Injectable()
export class PositionStore {
  private readonly sql: OrderingStatements;

  constructor(@Inject(MESSAGING_STATEMENTS) statements: MessagingStatements) {
    this.sql = statements.ordering;
  }

  async lock(queryRunner: QueryRunner, endpoint: string, place: KeyRef): Promise<KeyPosition> {
    const result: unknown = await queryRunner.query(this.sql.lockPosition, keyOf(endpoint, place));
    return this.sql.positionOf(result);
  }

  /**
   * Locks the key's position and, when it is `place`'s turn and nothing is parked, moves it to
   * `place`: `advanced`. Otherwise the position as it stands, locked.
   */
  async advance(
    queryRunner: QueryRunner,
    endpoint: string,
    place: OrderedPlace,
  ): Promise<{ advanced: true } | { advanced: false; position: KeyPosition }> {
    // Its turn: right after its predecessor, or it starts a new run of the key (previous 0).
    const [low, high] =
      place.previous === 0 ? [0, place.sequence - 1] : [place.previous, place.previous];
    const initial = place.previous === 0 ? place.sequence : 0;
    const answer = this.sql.advancedOf(
      await queryRunner.query(this.sql.advancePosition, [
        ...keyOf(endpoint, place),
        initial,
        low,
        high,
        place.sequence,
      ]),
    );
    if (answer === 'advanced') return { advanced: true };
    if (answer && answer.parked === 0 && answer.last >= low && answer.last <= high)
      return { advanced: true };
    return { advanced: false, position: answer ?? (await this.lock(queryRunner, endpoint, place)) };
  }

  /** Sets the last sequence handled and changes the count of parked messages by `parkedChange`. */
  async set(
    queryRunner: QueryRunner,
    endpoint: string,
    place: KeyRef,
    last: number,
    parkedChange: number,
  ): Promise<void> {
    await queryRunner.query(this.sql.setPosition, [last, parkedChange, ...keyOf(endpoint, place)]);
  }

  /** Parks the message; false when it is parked already. */
  async park(
    queryRunner: QueryRunner,
    endpoint: string,
    place: OrderedPlace,
    envelope: MessageEnvelope,
  ): Promise<boolean> {
    const result: unknown = await queryRunner.query(this.sql.park, [
      ...keyOf(endpoint, place),
      place.sequence,
      place.previous,
      envelope.id,
      JSON.stringify(envelope),
    ]);
    return this.sql.parkedRows(result) > 0;
  }

  /**
   * Takes the message's parked row, if it has one, out of its key's parked messages (a dead letter
   * now holds it): the sweeper must not release it again, nor the key count it as waiting.
   */
  async withdraw(queryRunner: QueryRunner, endpoint: string, place: OrderedPlace): Promise<void> {
    const position = await this.lock(queryRunner, endpoint, place);
    if (position.parked > 0 && (await this.unpark(queryRunner, endpoint, place)))
      await this.set(queryRunner, endpoint, place, position.last, -1);
  }

  /** Deletes the message's parked row; false when it had none. */
  async unpark(
    queryRunner: QueryRunner,
    endpoint: string,
    place: KeyRef & Pick<OrderedPlace, 'sequence'>,
  ): Promise<boolean> {
    const result: unknown = await queryRunner.query(this.sql.unpark, [
      ...keyOf(endpoint, place),
      place.sequence,
    ]);
    return affectedRows(result) > 0;
  }

  /** Sequence of the last message of the key handled at `endpoint`; 0 when none was. Locks nothing. */
  async lastHandled(queryRunner: QueryRunner, endpoint: string, place: KeyRef): Promise<number> {
    const [row]: { last_sequence: string }[] = await queryRunner.query(
      this.sql.lastHandled,
      keyOf(endpoint, place),
    );
    return row ? Number(row.last_sequence) : 0;
  }

  async anyParked(queryRunner: QueryRunner, endpoint: string, place: KeyRef): Promise<boolean> {
    const rows: unknown[] = await queryRunner.query(this.sql.anyParked, keyOf(endpoint, place));
    return rows.length > 0;
  }

  /** The parked message that comes after `place`'s sequence, if any. */
  async successor(
    queryRunner: QueryRunner,
    endpoint: string,
    place: KeyRef & Pick<OrderedPlace, 'sequence'>,
  ): Promise<MessageEnvelope | undefined> {
    const [row]: { envelope: string }[] = await queryRunner.query(this.sql.successor, [
      ...keyOf(endpoint, place),
      place.sequence,
    ]);
    return row ? (JSON.parse(row.envelope) as MessageEnvelope) : undefined;
  }

  /** Parked messages of `endpoint` whose turn came more than `olderThanMs` ago. */
  async releasable(
    queryRunner: QueryRunner,
    endpoint: string,
    olderThanMs: number,
    limit: number,
  ): Promise<Releasable[]> {
    const rows: { envelope: string; last_sequence: string }[] = await queryRunner.query(
      this.sql.releasable,
      [endpoint, olderThanMs, limit],
    );
    return rows.map((row) => ({
      envelope: JSON.parse(row.envelope) as MessageEnvelope,
      releasedAt: Number(row.last_sequence),
    }));
  }

  /** The endpoint's keys with parked messages, longest waiting first. */
  async blockedKeys(
    queryRunner: QueryRunner,
    endpoint: string,
    limit: number,
  ): Promise<ParkedKey[]> {
    const rows: {
      origin_endpoint: string;
      ordering_key: string;
      last_sequence: string;
      parked: string;
      waiting_for: string | null;
      since: Date | string;
    }[] = await queryRunner.query(this.sql.blockedKeys, [endpoint, limit]);
    return rows.map((row) => ({
      originEndpoint: row.origin_endpoint,
      key: row.ordering_key,
      last: Number(row.last_sequence),
      parked: Number(row.parked),
      waitingFor: row.waiting_for === null ? null : Number(row.waiting_for),
      since: new Date(row.since),
    }));
  }

  /** The sequence the key's earliest parked message waits for, after `last`; null when none. */
  async waitingFor(
    queryRunner: QueryRunner,
    endpoint: string,
    place: KeyRef,
    last: number,
  ): Promise<number | null> {
    const [row]: { waiting_for: string | null }[] = await queryRunner.query(this.sql.waitingFor, [
      ...keyOf(endpoint, place),
      last,
    ]);
    return row?.waiting_for == null ? null : Number(row.waiting_for);
  }
}

function keyOf(endpoint: string, place: KeyRef): string[] {
  return [endpoint, place.originEndpoint, place.key];
}
