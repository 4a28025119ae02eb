import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from './consistent-messaging.constants';
import { MessagingExplorer } from './discovery/messaging.explorer';
import type { ResolvedMessagingOptions } from './interfaces/consistent-messaging-options.interface';
import { HandlerRegistry } from './pipeline/handler.registry';
import { DispatchMarker } from './relay/dispatch-marker';
import { OutboxRelay } from './relay/outbox.relay';
import { OutboxSweeper } from './relay/outbox.sweeper';
import { RetentionCleaner } from './retention/retention.cleaner';
import { MessagingTablesChecker } from './storage/messaging-tables.checker';
import { EndpointWorker } from './transport/endpoint.worker';
import { ProducerConnection } from './transport/producer-connection';
import { QueueRegistry } from './transport/queue.registry';
import { SubscriptionRegistry } from './transport/subscription.registry';
import { AmbientTransactions } from './unit-of-work/ambient-transactions';
import { UnitOfWorkSubscriber } from './unit-of-work/unit-of-work.subscriber';

/** How long after startup it looks for shutdown hooks. */
const SHUTDOWN_HOOKS_CHECK_MS = 1000;

/**
 * Starts the endpoint in order (ambient transactions, subscriber, tables, handlers, Redis,
 * subscriptions, worker, sweeper) and stops it in reverse on shutdown: no new jobs, in-flight ones
 * finished, marks flushed, connections closed; the DataSource is left as it was last.
 */
@Injectable()
export class ConsistentMessagingLifecycle
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger = new Logger('ConsistentMessaging');

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly tables: MessagingTablesChecker,
    private readonly transactions: AmbientTransactions,
    private readonly subscriber: UnitOfWorkSubscriber,
    private readonly explorer: MessagingExplorer,
    private readonly handlers: HandlerRegistry,
    private readonly connection: ProducerConnection,
    private readonly subscriptions: SubscriptionRegistry,
    private readonly worker: EndpointWorker,
    private readonly sweeper: OutboxSweeper,
    private readonly relay: OutboxRelay,
    private readonly marker: DispatchMarker,
    private readonly queues: QueueRegistry,
    private readonly retention: RetentionCleaner,
  ) {}

  async onModuleInit(): Promise<void> {
    this.transactions.install(this.subscriber);
    await this.tables.ensure();
    this.explorer.explore();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.connection.connect();
    if (this.options.consume) {
      await this.subscriptions.start(this.handlers.types());
      await this.worker.start();
    }
    this.sweeper.start();
    this.retention.start();
    if (this.options.consume)
      for (const { layer, handler, messageType } of this.handlers.describe())
        this.logger.log(`  ${layer} layer: ${handler} consumes ${messageType}`);
    this.logger.log(
      `Endpoint "${this.options.endpoint}" started (${this.handlers.types().length} message type(s)` +
        `${this.options.consume ? `, concurrency ${this.options.concurrency}` : ', producer only'})`,
    );
    // Looked at a moment later: enableShutdownHooks() may come right after createApplicationContext().
    setTimeout(() => this.warnWithoutShutdownHooks(), SHUTDOWN_HOOKS_CHECK_MS).unref();
  }

  /**
   * Without Nest's shutdown hooks a SIGTERM (every deploy) ends the process mid-message, with no
   * onModuleDestroy: its messages wait a lock duration to be redelivered. Nest's hooks listen to it.
   */
  private warnWithoutShutdownHooks(): void {
    if (process.listenerCount('SIGTERM') > 0) return;
    this.logger.warn(
      `No SIGTERM handler: call app.enableShutdownHooks() in main.ts. Without it a deploy's SIGTERM stops the process ` +
        `mid-message, and its messages wait lockDurationMs (${this.options.lockDurationMs} ms) to be redelivered.`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.subscriptions.stop();
    await this.worker.close();
    await this.sweeper.stop();
    await this.retention.stop();
    await this.relay.settle(this.options.lockDurationMs);
    await this.marker.flush();
    await this.queues.close();
    await this.connection.close();
  }

  /**
   * Last: HTTP requests still running @Outbox() methods, and handlers a closing worker gave up
   * waiting for, still write their outbox rows in their transactions (dispatch is then left to the
   * sweepers).
   */
  onApplicationShutdown(): void {
    this.transactions.release();
  }
}
