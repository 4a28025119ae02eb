import { ConfigurableModuleBuilder } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { AdminInboxQuery } from './admin/admin-inbox.query';
import type { MessagingAdminOptions } from './admin/admin-options.interface';
import { resolveAdminOptions } from './admin/admin-options';
import { AdminOutboxQuery } from './admin/admin-outbox.query';
import { createAdminControllers } from './admin/admin.controller';
import { MessagingAdminService } from './admin/messaging-admin.service';
import { MESSAGING_DATA_SOURCE, MESSAGING_MODULE_EXTRAS } from './consistent-messaging.constants';
import type { ConsistentMessagingModuleOptions } from './interfaces/consistent-messaging-options.interface';

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
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<ConsistentMessagingModuleOptions>({
    moduleName: 'ConsistentMessaging',
  })
    .setClassMethodName('forRoot')
    .setExtras<ConsistentMessagingExtras>({ isGlobal: true }, (definition, extras) => {
      const admin = resolveAdminOptions(extras.admin);
      return {
        ...definition,
        global: extras.isGlobal,
        controllers: admin ? createAdminControllers(admin) : [],
        providers: [
          ...(definition.providers ?? []),
          { provide: MESSAGING_DATA_SOURCE, useExisting: getDataSourceToken(extras.dataSource) },
          { provide: MESSAGING_MODULE_EXTRAS, useValue: extras },
          ...(admin ? [AdminOutboxQuery, AdminInboxQuery, MessagingAdminService] : []),
        ],
      };
    })
    .build();

/** Options of `ConsistentMessagingModule.forRoot()`. */
export type ConsistentMessagingRootOptions = typeof OPTIONS_TYPE;

/** Options of `ConsistentMessagingModule.forRootAsync()`: useFactory/useClass/useExisting, inject, imports. */
export type ConsistentMessagingAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
