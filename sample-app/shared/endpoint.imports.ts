import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { ConsistentMessagingModule } from '../../lib';
import { database, QUEUE_PREFIX, redis, tablePrefix } from '../config';

export interface EndpointSettings {
  service: Parameters<typeof tablePrefix>[0];
  endpoint: string;
  entities?: TypeOrmModuleOptions['entities'];
  /** Output-layer endpoints retry quickly: their handlers fail when a reply is lost. */
  output?: boolean;
}

/**
 * TypeORM and messaging for one endpoint. Endpoints of the same service share its tables: the
 * inbox is keyed by endpoint, and any instance's sweeper may dispatch any row of the outbox.
 */
export function endpointImports(settings: EndpointSettings): DynamicModule[] {
  const prefix = tablePrefix(settings.service);
  return [
    TypeOrmModule.forRoot({
      // Named after the endpoint: two applications in one process share Nest's registry of names.
      name: settings.endpoint,
      ...database,
      entities: settings.entities ?? [],
      entityPrefix: prefix,
      synchronize: true,
    }),
    ConsistentMessagingModule.forRoot({
      endpoint: settings.endpoint,
      dataSource: settings.endpoint,
      redis,
      queuePrefix: QUEUE_PREFIX,
      tablePrefix: prefix,
      createTables: true,
      retry: settings.output ? { attempts: 5, backoff: { type: 'fixed', delay: 200 } } : undefined,
    }),
  ];
}
