import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { shortText } from '../errors/thrown-text';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageHeaders } from '../interfaces/message-envelope.interface';
import { DeadLetterStore } from '../storage/dead-letter.store';
import { inOwnTransaction } from '../storage/own-transaction';
import { AmbientTransactions } from '../unit-of-work/ambient-transactions';
import { readablePlaceAt, type OrderedPlace } from './ordering-headers';
import { ParkedMessageReleaser } from './parked-message.releaser';
import { PositionStore, type KeyRef, type Releasable } from './position.store';

/** Dead letters looked through for the messages blocked keys wait for. */
const DEAD_LETTERS_SEARCHED = 1000;
/** Characters of a dead letter's error shown with its key. */
const ERROR_CHARS = 500;

/** A key of this endpoint whose later messages are parked, waiting for an earlier one. */
export interface BlockedKey {
  originEndpoint: string;
  orderingKey: string;
  /** Sequence of the last message of the key handled here; 0 when none was. */
  lastHandled: number;
  /** Sequence of the message the parked ones wait for; null when they wait for no given one. */
  waitingFor: number | null;
  /** How many messages of the key are parked. */
  parked: number;
  /** When the longest-waiting one was parked. */
  since: Date;
  /**
   * The message waited for, when it is a dead letter of this endpoint: retry it to go on. Null
   * when it never arrived here (lost, or not yet dispatched): skip it to go on without it.
   */
  head: { messageId: string; error: string } | null;
}

/** What `skip` did: the sequence now taken as handled, and the parked message released. */
export interface SkippedMessage {
  skipped: number;
  released: string | null;
}

/**
 * The keys whose messages wait behind one that is not handled (dead-lettered, or lost), and the
 * operator's way on: retry the dead letter (`DeadLetterQueue.retry`), or skip the message, which
 * takes it as handled and releases the rest.
 */
@Injectable()
export class BlockedKeys {
  private readonly logger = new Logger('ConsistentMessaging');

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly positions: PositionStore,
    private readonly deadLetters: DeadLetterStore,
    private readonly releaser: ParkedMessageReleaser,
    private readonly transactions: AmbientTransactions,
  ) {}

  /** Up to `limit` blocked keys, longest waiting first. */
  async list(limit = 100): Promise<BlockedKey[]> {
    const { endpoint } = this.options;
    const keys = await inOwnTransaction(this.transactions, (queryRunner) =>
      this.positions.blockedKeys(queryRunner, endpoint, limit),
    );
    const heads =
      keys.length > 0 ? await this.deadLetterHeads() : new Map<string, BlockedKey['head']>();
    return keys.map((key) => ({
      originEndpoint: key.originEndpoint,
      orderingKey: key.key,
      lastHandled: key.last,
      waitingFor: key.waitingFor,
      parked: key.parked,
      since: key.since,
      head: (key.waitingFor !== null && heads.get(headId(key, key.waitingFor))) || null,
    }));
  }

  /**
   * Takes the message the key waits for as handled, and releases the parked one after it. Its
   * dead letter, if any, stays (a retry of it is then dropped as a duplicate). Undefined when
   * nothing of the key waits.
   */
  async skip(originEndpoint: string, orderingKey: string): Promise<SkippedMessage | undefined> {
    const { endpoint } = this.options;
    const key: KeyRef = { originEndpoint, key: orderingKey };
    const outcome = await inOwnTransaction(this.transactions, async (queryRunner) => {
      const position = await this.positions.lock(queryRunner, endpoint, key);
      const skipped = await this.positions.waitingFor(queryRunner, endpoint, key, position.last);
      if (skipped === null) return undefined;
      const unparked = await this.positions.unpark(queryRunner, endpoint, {
        ...key,
        sequence: skipped,
      });
      await this.positions.set(queryRunner, endpoint, key, skipped, unparked ? -1 : 0);
      const next = await this.positions.successor(queryRunner, endpoint, {
        ...key,
        sequence: skipped,
      });
      const release: Releasable | undefined = next && { envelope: next, releasedAt: skipped };
      return { skipped, release };
    });
    if (!outcome) return undefined;
    this.logger.warn(
      `Ordering key "${shortText(orderingKey)}" from "${shortText(originEndpoint)}": message ${outcome.skipped} skipped by an operator; the parked ones go on`,
    );
    await this.releaser.release(outcome.release ? [outcome.release] : []);
    return { skipped: outcome.skipped, released: outcome.release?.envelope.id ?? null };
  }

  /** This endpoint's keyed dead letters, by the key and sequence they hold. */
  private async deadLetterHeads(): Promise<Map<string, BlockedKey['head']>> {
    const { endpoint } = this.options;
    const heads = new Map<string, BlockedKey['head']>();
    for (const letter of await this.deadLetters.keyed(endpoint, DEAD_LETTERS_SEARCHED)) {
      const place = placeOf(letter.headers, endpoint);
      if (place)
        heads.set(headId(place, place.sequence), {
          messageId: letter.messageId,
          error: letter.error.slice(0, ERROR_CHARS),
        });
    }
    return heads;
  }
}

function headId(key: KeyRef, sequence: number): string {
  return JSON.stringify([key.originEndpoint, key.key, sequence]);
}

function placeOf(headers: string | null, endpoint: string): OrderedPlace | undefined {
  try {
    return readablePlaceAt(headers ? (JSON.parse(headers) as MessageHeaders) : undefined, endpoint);
  } catch {
    return undefined;
  }
}
