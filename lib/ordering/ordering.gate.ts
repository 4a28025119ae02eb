import { Inject, Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import { orderedPlaceAt, type OrderedPlace } from './ordering-headers';
import { PositionStore, type Releasable } from './position.store';

/**
 * What to do with an incoming message: handle it now, drop it as handled already, or keep it
 * parked until its predecessor is handled. `release`: the parked message to run once this one's
 * unit commits. `byKey`: the key's position now records the message as handled, in the unit's
 * transaction, and tells its copies from it: it needs no inbox record.
 */
export type Admission =
  | { verdict: 'handle'; byKey: boolean; release?: Releasable }
  | { verdict: 'duplicate' }
  | { verdict: 'parked' };

/**
 * Lets a keyed message through only after the message before it at this endpoint was handled.
 * Runs first in the receiver's unit of work: the key's position stays locked until the unit ends,
 * so two messages of one key are never handled at once, by any process, and a message that comes
 * early is parked in the same transaction that finds it early. Unkeyed messages pass untouched.
 */
@Injectable()
export class OrderingGate {
  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly positions: PositionStore,
  ) {}

  /** Whether `envelope` is ordered at this endpoint: the gate, not the inbox, records it. */
  orders(envelope: MessageEnvelope): boolean {
    return orderedPlaceAt(envelope.headers, this.options.endpoint) !== undefined;
  }

  async admit(queryRunner: QueryRunner, envelope: MessageEnvelope): Promise<Admission> {
    const { endpoint } = this.options;
    const place = orderedPlaceAt(envelope.headers, endpoint);
    if (!place) return { verdict: 'handle', byKey: false };
    const advance = await this.positions.advance(queryRunner, endpoint, place);
    if (advance.advanced) return { verdict: 'handle', byKey: true };
    const { position } = advance;
    // A released message leaves its parked row now, whether it runs, waits again or is a copy.
    const unparked =
      position.parked > 0 && (await this.positions.unpark(queryRunner, endpoint, place)) ? 1 : 0;
    if (place.sequence <= position.last) {
      if (unparked) await this.positions.set(queryRunner, endpoint, place, position.last, -1);
      return { verdict: 'duplicate' };
    }
    if (await this.mayRun(queryRunner, place, position.last, position.parked > 0, unparked)) {
      await this.positions.set(queryRunner, endpoint, place, place.sequence, -unparked);
      const release = position.parked > 0 ? await this.successorOf(queryRunner, place) : undefined;
      return { verdict: 'handle', byKey: true, release };
    }
    const parked = (await this.positions.park(queryRunner, endpoint, place, envelope)) ? 1 : 0;
    if (parked !== unparked)
      await this.positions.set(queryRunner, endpoint, place, position.last, parked - unparked);
    return { verdict: 'parked' };
  }

  /**
   * Its predecessor is the last message handled; or it starts a new run of the key (the sender's
   * state of the key expired) and nothing of the key waits before it.
   */
  private async mayRun(
    queryRunner: QueryRunner,
    place: OrderedPlace,
    last: number,
    anyParked: boolean,
    unparked: number,
  ): Promise<boolean> {
    if (place.previous === last) return true;
    if (place.previous !== 0) return false;
    if (!anyParked) return true;
    return (
      unparked === 1 && !(await this.positions.anyParked(queryRunner, this.options.endpoint, place))
    );
  }

  private async successorOf(
    queryRunner: QueryRunner,
    place: OrderedPlace,
  ): Promise<Releasable | undefined> {
    const envelope = await this.positions.successor(queryRunner, this.options.endpoint, place);
    return envelope ? { envelope, releasedAt: place.sequence } : undefined;
  }
}
