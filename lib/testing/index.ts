export { MessagingTestKit } from './messaging-test-kit';
export { runOutboxMethodsDirectly } from './outbox-passthrough';
export { MessagingNotQuietError } from './messaging-not-quiet.error';
export { ConsistencyViolationError } from './consistency-violation.error';
export { UnhandledTestMessageError } from './unhandled-test-message.error';
export type {
  ConsistencyOptions,
  ConsistencyReport,
  ConsistencyScenario,
  Delivery,
  DeliverOptions,
  DrainOptions,
  Handling,
  RecordedMessage,
  ScenarioResult,
  TestMessageOptions,
} from './test-kit.interfaces';
export { useInMemoryTransport } from './in-memory-transport';
