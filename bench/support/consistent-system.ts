import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsistentMessagingModule, type FaultHooks, type RelayOptions } from '../../lib';
import { disableAmbientStorage } from '../../lib/unit-of-work/unit-of-work.storage';
import { queuePrefixOf } from './bench-env';
import { BenchRow, WORK_QUEUE } from './messages';
import { dataSourceOptions, type System, type SystemOptions } from './naive-system';
import { redis } from './services';
import { handlerProviders, type HandlerOptions } from './work-handlers';

export interface ConsistentOptions extends SystemOptions {
  /** Consume the `work` queue (default) or only sweep the outbox. */
  consume?: boolean;
  relay?: RelayOptions;
  /** The library's `batchSize` (its default otherwise). */
  batchSize?: number;
  /** How the handler reaches the database (`context.manager` by default). */
  handler?: HandlerOptions;
}

/** The tuned configuration of the benchmarks: shared transactions of up to 8. */
export function tunedOptions(concurrency: number): Pick<ConsistentOptions, 'batchSize'> {
  return { batchSize: Math.min(8, concurrency) };
}

export interface ConsistentSystem extends System {
  app: INestApplicationContext;
}

/** An endpoint app named `work` on the library with default options unless told otherwise. */
export async function startConsistent(options: ConsistentOptions): Promise<ConsistentSystem> {
  const timings = options.timings;
  const faultHooks: FaultHooks = timings
    ? {
        afterCommitBeforeDispatch: ({ messageIds }) => timings.committed(messageIds),
        afterDispatchBeforeMark: ({ messageIds }) => timings.dispatched(messageIds),
      }
    : {};
  const app = await NestFactory.createApplicationContext(
    {
      module: class BenchEndpointModule {},
      imports: [
        TypeOrmModule.forRoot(dataSourceOptions(options)),
        TypeOrmModule.forFeature([BenchRow]),
        ConsistentMessagingModule.forRoot({
          endpoint: WORK_QUEUE,
          redis,
          tablePrefix: options.prefix,
          queuePrefix: queuePrefixOf(options.prefix),
          concurrency: options.concurrency,
          batchSize: options.batchSize,
          consume: options.consume ?? true,
          relay: options.relay,
          faultHooks,
        }),
      ],
      providers: handlerProviders(options.handler),
    },
    { logger: ['error', 'warn'] },
  );
  return {
    app,
    async close() {
      await app.close();
      // AsyncLocalStorage, once used, slows every promise of the process until disabled: the
      // naive worker, measured in this same process, must not pay for the library's.
      disableAmbientStorage();
    },
  };
}
