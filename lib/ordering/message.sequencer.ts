import { Inject, Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { UnroutableKeyedEventError } from '../errors/unroutable-keyed-event.error';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { SubscriptionStore } from '../storage/subscription.store';
import { SubscriptionRegistry } from '../transport/subscription.registry';
import {
  formatSequences,
  ORDERING_KEY_HEADER,
  ORDERING_SEQUENCES_HEADER,
  type Sequences,
} from './ordering-headers';
import { SequenceStore } from './sequence.store';

interface KeyAtDestination {
  destination: string;
  key: string;
  /** Its messages in the order the unit recorded them, each with the places found so far. */
  messages: { message: OutboxMessage; places: Sequences }[];
}

/**
 * Numbers a unit's keyed messages just before they go to the outbox. Each destination of a keyed
 * message gets its own run of numbers per key, so an endpoint that receives only some of a key's
 * messages can tell a gap from a message it will never get; a keyed event's destinations are its
 * subscribers when the unit commits.
 */
@Injectable()
export class MessageSequencer {
  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly sequences: SequenceStore,
    private readonly subscriptions: SubscriptionRegistry,
    private readonly remembered: SubscriptionStore,
  ) {}

  /**
   * Writes each keyed message's places into its headers, in the unit's transaction. Keys are
   * locked in one order (destination, then key), so units never wait on each other in a cycle.
   */
  async sequence(queryRunner: QueryRunner, messages: OutboxMessage[]): Promise<void> {
    const keyed = messages.filter((message) => message.headers[ORDERING_KEY_HEADER]);
    if (keyed.length === 0) return;
    const groups = new Map<string, KeyAtDestination>();
    const placesOf = keyed.map((message) => ({ message, places: {} as Sequences }));
    for (const entry of placesOf) {
      const key = entry.message.headers[ORDERING_KEY_HEADER] as string;
      for (const destination of await this.destinationsOf(entry.message, queryRunner)) {
        const id = JSON.stringify([destination, key]);
        const group = groups.get(id) ?? { destination, key, messages: [] };
        group.messages.push(entry);
        groups.set(id, group);
      }
    }
    const ordered = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [, { destination, key, messages: inOrder }] of ordered) {
      const origin = inOrder[0].message.headers.originEndpoint;
      const taken = await this.sequences.take(
        queryRunner,
        origin,
        destination,
        key,
        inOrder.length,
      );
      inOrder.forEach(({ places }, index) => {
        const sequence = taken.first + index;
        places[destination] = [sequence, index === 0 ? taken.previous : sequence - 1];
      });
    }
    for (const { message, places } of placesOf)
      message.headers[ORDERING_SEQUENCES_HEADER] = formatSequences(places);
  }

  /**
   * A command's destination; an event's subscribers, as Redis lists them and the database
   * remembers them (one Redis forgot still gets its copy). A Redis that is away, or does not
   * answer within `relay.dispatchWaitMs`, leaves the subscribers the database remembers: a unit
   * never waits out a stalled Redis.
   */
  private async destinationsOf(
    message: OutboxMessage,
    queryRunner: QueryRunner,
  ): Promise<string[]> {
    if (message.destination) return [message.destination];
    try {
      const { endpoints, unknown } = await this.subscriptions.subscribersOf(
        message.type,
        queryRunner,
        // With 0 (never wait after COMMIT) a second still bounds the wait before it.
        this.options.relay.dispatchWaitMs || 1000,
      );
      return [...endpoints, ...unknown];
    } catch (error) {
      const remembered = await this.remembered.subscribersOf(queryRunner, message.type);
      if (remembered.length > 0) return remembered;
      throw new UnroutableKeyedEventError(message.type, error);
    }
  }
}
