import { ConfigurableModuleBuilder, type FactoryProvider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { AdminInboxQuery } from './admin/admin-inbox.query';
import type { MessagingAdminOptions } from './admin/admin-options.interface';
import { resolveAdminOptions } from './admin/admin-options';
import { AdminOutboxQuery } from './admin/admin-outbox.query';
import { createAdminControllers } from './admin/admin.controller';
import { MessagingAdminService } from './admin/messaging-admin.service';
import { MESSAGING_DATA_SOURCE, MESSAGING_MODULE_EXTRAS } from './consistent-messaging.constants';
import { InvalidMessagingOptionsError } from './errors/invalid-messaging-options.error';
import type { ConsistentMessagingModuleOptions } from './interfaces/consistent-messaging-options.interface';
import { endpointNameProblem } from './messages/message-rules';
import { bullQueueToken } from './transport/bull-queue-token';
import { QueueRegistry } from './transport/queue.registry';

/** Options read when the module is defined, so they can pick providers. */
export interface ConsistentMessagingExtras {
  /** Register the module globally, so MessagePublisher can be injected anywhere. Default true. */
  isGlobal?: boolean;
  /** Name of the TypeORM data source (as given to `TypeOrmModule`) holding the outbox and inbox. Default: the default one. */
  dataSource?: string;
  /**
   * The admin controller (JSON + dashboard page). Off by default; when enabled it needs a guard or
   * an explicit `allowUnguarded: true`. Decided here because its path and guard are decorator arguments.
   */
  admin?: MessagingAdminOptions;
  /**
   * Queues to provide the `@nestjs/bullmq` way, under their `getQueueToken(name)`: injectable with
   * `@InjectQueue(name)`, and visible to bull-board's `BullBoardModule.forFeature({ name })`. Each is
   * a BullMQ `Queue` of its own connection with the library's `queuePrefix`. Endpoint names, for
   * example this endpoint's own and those it sends to. Default none.
   */
  queues?: string[];
}

/** The queues of the `queues` extra, under the tokens `@nestjs/bullmq` uses. */
function exposedQueueProviders(names: string[] | undefined): FactoryProvider[] {
  const problems = (names ?? []).flatMap((name) => {
    const problem =
      typeof name === 'string' ? endpointNameProblem(name) : 'a queue name must be a string';
    return problem ? [`queues: ${problem}`] : [];
  });
  if (problems.length > 0) throw new InvalidMessagingOptionsError(problems);
  return [...new Set(names ?? [])].map((name) => ({
    provide: bullQueueToken(name),
    useFactory: (queues: QueueRegistry) => queues.exposed(name),
    inject: [QueueRegistry],
  }));
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<ConsistentMessagingModuleOptions>({
    moduleName: 'ConsistentMessaging',
  })
    .setClassMethodName('forRoot')
    .setExtras<ConsistentMessagingExtras>({ isGlobal: true }, (definition, extras) => {
      const admin = resolveAdminOptions(extras.admin);
      const queues = exposedQueueProviders(extras.queues);
      return {
        ...definition,
        global: extras.isGlobal,
        controllers: admin ? createAdminControllers(admin) : [],
        providers: [
          ...(definition.providers ?? []),
          { provide: MESSAGING_DATA_SOURCE, useExisting: getDataSourceToken(extras.dataSource) },
          { provide: MESSAGING_MODULE_EXTRAS, useValue: extras },
          ...(admin ? [AdminOutboxQuery, AdminInboxQuery, MessagingAdminService] : []),
          ...queues,
        ],
        exports: [...(definition.exports ?? []), ...queues.map((queue) => queue.provide)],
      };
    })
    .build();

/** Options of `ConsistentMessagingModule.forRoot()`. */
export type ConsistentMessagingRootOptions = typeof OPTIONS_TYPE;

/** Options of `ConsistentMessagingModule.forRootAsync()`: useFactory/useClass/useExisting, inject, imports. */
export type ConsistentMessagingAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
