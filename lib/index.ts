export { ConsistentMessagingModule } from './consistent-messaging.module';
export type {
  ConsistentMessagingModuleOptions,
  RelayOptions,
  RetentionOptions,
  RetryOptions,
} from './interfaces/consistent-messaging-options.interface';
export type {
  ConsistentMessagingAsyncOptions,
  ConsistentMessagingExtras,
  ConsistentMessagingRootOptions,
} from './consistent-messaging.module-definition';
export { ConsistentHandler } from './decorators/consistent-handler.decorator';
export { Outbox, type OutboxOptions } from './decorators/outbox.decorator';
export { IdempotentHandler } from './decorators/idempotent-handler.decorator';
export { IdempotentContext } from './pipeline/idempotent-context';
export {
  HandlerRegistry,
  type HandlerDescription,
  type HandlerLayer,
} from './pipeline/handler.registry';
export { deterministicMessageId } from './messages/deterministic-id';
export { DuplicateSubmissionError } from './errors/duplicate-submission.error';
export { OutputLayerPublishError } from './errors/output-layer-publish.error';
export { Message } from './messages/message.decorator';
export { messageTypeOf } from './messages/message-type';
export { MessagePublisher } from './publisher/message.publisher';
export { MessageContext } from './pipeline/message-context';
export { UnitOfWorkHost } from './unit-of-work/unit-of-work.host';
export { raiseDomainEvent } from './outbox/domain-events';
export { DeadLetterQueue } from './dead-letters/dead-letter.queue';
export type { DeadLetter, DeadLetterSummary } from './dead-letters/dead-letter.interface';
export { DeadLetterNotRetriableError } from './errors/dead-letter-not-retriable.error';
export { BlockedKeys, type BlockedKey, type SkippedMessage } from './ordering/blocked-keys';
export { MAX_ORDERING_KEY_LENGTH } from './ordering/ordering-headers';
export { OutboxSweeper, type SweepResult } from './relay/outbox.sweeper';
export { redispatchOutboxSince, type RedispatchSinceOptions } from './storage/outbox-redispatch';
export { RetentionCleaner, type RetentionRun } from './retention/retention.cleaner';
export type { MessageClass } from './interfaces/message-class.interface';
export type { MessageEnvelope, MessageHeaders } from './interfaces/message-envelope.interface';
export type { PublishOptions } from './interfaces/publish-options.interface';
export type { FaultContext, FaultHooks, FaultPoint } from './faults/fault-hooks.interface';
export { createMessagingMigration } from './storage/messaging.migration';
export {
  createMessagingEntities,
  type DeadLetterRecord,
  type InboxRecord,
  type OutboxRecord,
} from './storage/messaging-entities';
export {
  createMessagingTablesSql,
  messagingTableNames,
  type MessagingDatabaseType,
} from './storage/messaging-schema';
export { InvalidMessagingOptionsError } from './errors/invalid-messaging-options.error';
export { NoActiveUnitOfWorkError } from './errors/no-active-unit-of-work.error';
export { NotAMessageError } from './errors/not-a-message.error';
export { MissingMessagingTablesError } from './errors/missing-messaging-tables.error';
export { MalformedMessageError } from './errors/malformed-message.error';
export { UnknownMessageTypeError } from './errors/unknown-message-type.error';
export { InvalidHandlerError } from './errors/invalid-handler.error';
export { UnitOfWorkNotWiredError } from './errors/unit-of-work-not-wired.error';
export { TransactionRolledBackError } from './errors/transaction-rolled-back.error';
export { AttemptTimeoutError } from './errors/attempt-timeout.error';
export { ForeignConnectionError } from './errors/foreign-connection.error';
export { DataSourceInUseError } from './errors/data-source-in-use.error';
export { ConcurrentTransactionsError } from './errors/concurrent-transactions.error';
export { InvalidMessageError } from './errors/invalid-message.error';
export { SubscriptionsUnknownError } from './errors/subscriptions-unknown.error';
export { DatabaseUnavailableError } from './errors/database-unavailable.error';
export { RedisUnavailableError } from './errors/redis-unavailable.error';
export { UnsupportedDatabaseError } from './errors/unsupported-database.error';
export { DuplicateMessagingModuleError } from './errors/duplicate-messaging-module.error';
export { UnroutableKeyedEventError } from './errors/unroutable-keyed-event.error';
export type { MessagingAdminOptions } from './admin/admin-options.interface';
export { AdminErrorCode, type AdminErrorBody, type AdminErrorCodeValue } from './admin/admin-error';
export {
  MessagingAdminService,
  type OutboxPage,
  type DeadLetterPage,
  type Conversation,
} from './admin/messaging-admin.service';
export type {
  ConversationMessage,
  OutboxDetail,
  OutboxFilter,
  OutboxStats,
  OutboxSummary,
} from './admin/admin-records.interface';
export type { InboxEntry, InboxStats } from './admin/admin-inbox.query';
export { InvalidAdminOptionsError } from './errors/invalid-admin-options.error';
export { MessagingHealthIndicator } from './health/messaging.health-indicator';
export {
  MessagingMetrics,
  type MessagingCounter,
  type MessagingCounterListener,
  type MessagingCounters,
  type MessagingMetricsSnapshot,
  type MessagingObservation,
  type MessagingObservationListener,
} from './metrics/messaging.metrics';
export type {
  ComponentHealth,
  MessagingHealthDetails,
  MessagingHealthOptions,
  MessagingHealthResult,
} from './health/messaging-health.interface';
