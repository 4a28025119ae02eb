import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
  MESSAGING_MODULE_EXTRAS,
  MESSAGING_STATEMENTS,
  STORAGE_DIALECT,
} from './consistent-messaging.constants';
import { ConsistentMessagingLifecycle } from './consistent-messaging.lifecycle';
import {
  ConfigurableModuleClass,
  type ConsistentMessagingExtras,
  MODULE_OPTIONS_TOKEN,
} from './consistent-messaging.module-definition';
import { resolveMessagingOptions } from './consistent-messaging.options';
import { DeadLetterQueue } from './dead-letters/dead-letter.queue';
import { MessagingExplorer } from './discovery/messaging.explorer';
import { FaultInjector } from './faults/fault-injector';
import { InboxStore } from './inbox/inbox.store';
import type {
  ConsistentMessagingModuleOptions,
  ResolvedMessagingOptions,
} from './interfaces/consistent-messaging-options.interface';
import { BlockedKeys } from './ordering/blocked-keys';
import { MessageSequencer } from './ordering/message.sequencer';
import { OrderingGate } from './ordering/ordering.gate';
import { ParkedMessageReleaser } from './ordering/parked-message.releaser';
import { PositionStore } from './ordering/position.store';
import { SequenceStore } from './ordering/sequence.store';
import { OutboxStore } from './outbox/outbox.store';
import { ConsistentMessagePipeline } from './pipeline/consistent-message.pipeline';
import { HandlerRegistry } from './pipeline/handler.registry';
import { IdempotentMessagePipeline } from './pipeline/idempotent-message.pipeline';
import { MessageBatcher } from './pipeline/message.batcher';
import { OutboxBoundaryRunner } from './unit-of-work/outbox-boundary.runner';
import { MessagePublisher } from './publisher/message.publisher';
import { DispatchMarker } from './relay/dispatch-marker';
import { OutboxRelay } from './relay/outbox.relay';
import { OutboxSweeper } from './relay/outbox.sweeper';
import { MessagingHealthIndicator } from './health/messaging.health-indicator';
import { MessagingMetrics } from './metrics/messaging.metrics';
import { RetentionCleaner } from './retention/retention.cleaner';
import { RetentionLock } from './retention/retention.lock';
import { RetentionStore } from './retention/retention.store';
import { MessagingTablesChecker } from './storage/messaging-tables.checker';
import { messagingTableNames } from './storage/messaging-table-names';
import type { StorageDialect } from './storage/storage-dialect.interface';
import { dialectOf } from './storage/storage-dialects';
import { EndpointWorker } from './transport/endpoint.worker';
import { MessageDispatcher } from './transport/message.dispatcher';
import { ProducerConnection } from './transport/producer-connection';
import { QueueRegistry } from './transport/queue.registry';
import { SubscriptionRegistry } from './transport/subscription.registry';
import { DeadLetterStore } from './storage/dead-letter.store';
import { SubscriptionStore } from './storage/subscription.store';
import { UnitOfWorkHost } from './unit-of-work/unit-of-work.host';
import { UnitOfWorkRunner } from './unit-of-work/unit-of-work.runner';
import { AmbientTransactions } from './unit-of-work/ambient-transactions';
import { UnitOfWorkSubscriber } from './unit-of-work/unit-of-work.subscriber';
import { InFlightMessages } from './metrics/in-flight-messages';

/**
 * Consistent messaging for one endpoint per application. Import next to TypeOrmModule:
 * `ConsistentMessagingModule.forRoot({ endpoint: 'orders', redis: { host, port } })`.
 * Global by default (`isGlobal: false` to turn that off).
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: STORAGE_DIALECT, useFactory: dialectOf, inject: [MESSAGING_DATA_SOURCE] },
    {
      provide: CONSISTENT_MESSAGING_OPTIONS,
      useFactory: (
        options: ConsistentMessagingModuleOptions,
        dataSource: DataSource,
        dialect: StorageDialect,
        extras: ConsistentMessagingExtras,
      ) => resolveMessagingOptions(options, dialect.connections.poolOf(dataSource), extras),
      inject: [
        MODULE_OPTIONS_TOKEN,
        MESSAGING_DATA_SOURCE,
        STORAGE_DIALECT,
        MESSAGING_MODULE_EXTRAS,
      ],
    },
    {
      provide: MESSAGING_STATEMENTS,
      useFactory: (dialect: StorageDialect, options: ResolvedMessagingOptions) =>
        dialect.statements(messagingTableNames(options.tablePrefix)),
      inject: [STORAGE_DIALECT, CONSISTENT_MESSAGING_OPTIONS],
    },
    FaultInjector,
    MessagingTablesChecker,
    OutboxStore,
    InboxStore,
    AmbientTransactions,
    UnitOfWorkSubscriber,
    UnitOfWorkRunner,
    UnitOfWorkHost,
    ProducerConnection,
    QueueRegistry,
    SubscriptionRegistry,
    SubscriptionStore,
    DeadLetterStore,
    MessageDispatcher,
    DispatchMarker,
    OutboxRelay,
    OutboxSweeper,
    SequenceStore,
    MessageSequencer,
    PositionStore,
    OrderingGate,
    ParkedMessageReleaser,
    BlockedKeys,
    HandlerRegistry,
    ConsistentMessagePipeline,
    MessageBatcher,
    IdempotentMessagePipeline,
    OutboxBoundaryRunner,
    EndpointWorker,
    MessagingExplorer,
    MessagePublisher,
    DeadLetterQueue,
    RetentionStore,
    RetentionLock,
    RetentionCleaner,
    MessagingHealthIndicator,
    MessagingMetrics,
    InFlightMessages,
    ConsistentMessagingLifecycle,
  ],
  exports: [
    MessagePublisher,
    UnitOfWorkHost,
    DeadLetterQueue,
    BlockedKeys,
    OutboxSweeper,
    HandlerRegistry,
    RetentionCleaner,
    MessagingHealthIndicator,
    MessagingMetrics,
  ],
})
export class ConsistentMessagingModule extends ConfigurableModuleClass {}
