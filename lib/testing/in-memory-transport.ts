import { RetentionLock } from '../retention/retention.lock';
import { EndpointWorker } from '../transport/endpoint.worker';
import { ProducerConnection } from '../transport/producer-connection';
import { QueueRegistry } from '../transport/queue.registry';
import { SubscriptionRegistry } from '../transport/subscription.registry';
import { InMemoryRetentionLock } from './in-memory/in-memory-retention.lock';
import { InMemoryQueueRegistry } from './in-memory/in-memory-queue.registry';
import { InMemoryConnection } from './in-memory/in-memory.connection';
import { InMemorySubscriptions } from './in-memory/in-memory.subscriptions';
import { InMemoryWorker } from './in-memory/in-memory.worker';

/** What this uses of Nest's TestingModuleBuilder: the kit needs no types of `@nestjs/testing`. */
interface ProviderOverrides<Builder> {
  overrideProvider(token: unknown): { useClass(type: unknown): Builder };
}

/**
 * Runs the testing module's messaging without Redis: queues, subscriptions and retry policies live
 * in this process, shared by every application in it with the same `queuePrefix`. The database
 * side (outbox, inbox, dead letters, transactions) is the real one. Returns the builder.
 */
export function useInMemoryTransport<Builder extends ProviderOverrides<Builder>>(
  builder: Builder,
): Builder {
  return builder
    .overrideProvider(ProducerConnection)
    .useClass(InMemoryConnection)
    .overrideProvider(QueueRegistry)
    .useClass(InMemoryQueueRegistry)
    .overrideProvider(SubscriptionRegistry)
    .useClass(InMemorySubscriptions)
    .overrideProvider(EndpointWorker)
    .useClass(InMemoryWorker)
    .overrideProvider(RetentionLock)
    .useClass(InMemoryRetentionLock);
}
