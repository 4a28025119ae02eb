import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  ConsistentMessagingModule,
  DuplicateSubmissionError,
  MessagePublisher,
  Outbox,
  UnitOfWorkHost,
} from '../lib';
import { AChange, chainEntities, OrderGroup } from './chain.entities';
import { failsAtStart, groupOf } from './chain.keys';
import { GroupAdvanced, ProcessStarted } from './chain.messages';
import type { OutboxCalls } from './outbox-calls';
import { chainMessaging, queuePrefixOf, type HarnessConnections } from './harness.config';

/** Thrown on purpose by A after it published, so the unit of work rolls back. */
export class IntendedFailure extends Error {}

/** Endpoint A's input layer: one unit of work per business process, deduplicated by its key. */
@Injectable()
export class ProcessStarter {
  constructor(
    private readonly unitOfWork: UnitOfWorkHost,
    private readonly publisher: MessagePublisher,
  ) {}

  @Outbox({ key: (key: string) => key })
  async start(key: string): Promise<void> {
    const { manager } = this.unitOfWork;
    await manager.insert(AChange, { key, messageId: null, pid: process.pid });
    this.publisher.publish(new ProcessStarted(key));
    // Locks the group's row until COMMIT: its versions are in commit order.
    const group = groupOf(key);
    await manager.increment(OrderGroup, { name: group }, 'version', 1);
    const { version } = await manager.findOneByOrFail(OrderGroup, { name: group });
    this.publisher.publish(new GroupAdvanced(group, version), { orderingKey: group });
    if (failsAtStart(key)) throw new IntendedFailure(`A fails ${key} after publishing`);
  }
}

/**
 * Endpoint A in the harness process (producer only). It also creates every table of the run, before
 * the B and C processes start.
 */
export async function startProducer(
  connections: HarnessConnections,
): Promise<INestApplicationContext> {
  class ProducerModule {}
  return NestFactory.createApplicationContext(
    {
      module: ProducerModule,
      imports: [
        TypeOrmModule.forRoot({
          ...connections.db,
          entities: chainEntities,
          entityPrefix: connections.prefix,
          synchronize: true,
        }),
        ConsistentMessagingModule.forRoot({
          endpoint: 'a',
          redis: { ...connections.redis, connectionName: `harness-${process.pid}` },
          tablePrefix: connections.prefix,
          queuePrefix: queuePrefixOf(connections.prefix),
          createTables: true,
          consume: false,
          ...chainMessaging,
        }),
      ],
      providers: [ProcessStarter],
    },
    { logger: process.env.HARNESS_LOGS ? ['log', 'warn', 'error'] : false },
  );
}

export type StartOutcome = 'started' | 'rolled back' | 'repeat' | 'gave up';

/**
 * Starts one business process as a client would: retries on errors (a killed connection, Redis
 * away), and a repeat after an ambiguous failure is recognised by the key (G8). Each attempt goes
 * to `calls`, with its timing and error.
 */
export async function startProcess(
  starter: ProcessStarter,
  key: string,
  calls: OutboxCalls,
): Promise<StartOutcome> {
  for (let attempt = 1; ; attempt++) {
    const startMs = Date.now();
    try {
      await starter.start(key);
      calls.record(startMs);
      return 'started';
    } catch (error) {
      const expected =
        error instanceof IntendedFailure || error instanceof DuplicateSubmissionError;
      calls.record(startMs, expected ? undefined : error);
      if (error instanceof IntendedFailure) return 'rolled back';
      if (error instanceof DuplicateSubmissionError) return 'repeat';
      if (attempt >= 20) return 'gave up';
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
