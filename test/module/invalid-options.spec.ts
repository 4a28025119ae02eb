import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  ConsistentMessagingModule,
  DataSourceInUseError,
  InvalidMessagingOptionsError,
  type ConsistentMessagingModuleOptions,
} from '../../lib';
import { CONSISTENT_MESSAGING_OPTIONS } from '../../lib/consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../../lib/interfaces/consistent-messaging-options.interface';
import { db, redis } from '../support/services';

/** Stands in for TypeOrmModule: options are checked before any connection is needed. */
function noDatabase(options: object = {}) {
  const dataSource = {
    name: 'default',
    options: { type: 'mysql', ...options },
    createQueryRunner: () => undefined,
  };
  @Global()
  @Module({ providers: [{ provide: DataSource, useValue: dataSource }], exports: [DataSource] })
  class NoDatabaseModule {}
  return NoDatabaseModule;
}

function compile(options: object, database: object = {}) {
  return Test.createTestingModule({
    imports: [
      noDatabase(database),
      ConsistentMessagingModule.forRoot(options as ConsistentMessagingModuleOptions),
    ],
  }).compile();
}

describe('module options at startup', () => {
  it('fail the application with what to fix', async () => {
    const compiling = compile({ endpoint: '', redis, concurrency: 0 });
    await expect(compiling).rejects.toThrow(InvalidMessagingOptionsError);
    await expect(compiling).rejects.toThrow(
      /endpoint: give this endpoint's name[\s\S]*concurrency: an integer >= 1/,
    );
  });

  it('refuse more messages at once than the connection pool can hold, saying what to change', async () => {
    await expect(compile({ endpoint: 'pool', redis, concurrency: 16 })).rejects.toThrow(
      /concurrency: 16 messages at once need 16 pooled connections, plus 2 for the relay, but the pool has 10: raise poolSize of the TypeORM data source "default" \(default 10\) to at least 18, or lower concurrency to 8/,
    );
    await expect(
      compile({ endpoint: 'pool', redis, concurrency: 16 }, { extra: { connectionLimit: 12 } }),
    ).rejects.toThrow(/pool has 12: raise extra.connectionLimit/);
    await expect(
      compile({ endpoint: 'pool', redis, concurrency: 16 }, { poolSize: 18 }),
    ).resolves.toBeDefined();
    await expect(
      compile({ endpoint: 'pool', redis, concurrency: 16, consume: false }),
    ).resolves.toBeDefined();
  });

  it('size concurrency to the pool when it is not given', async () => {
    const concurrencyOf = async (database: object) => {
      const moduleRef = await compile({ endpoint: 'pool', redis }, database);
      return moduleRef.get<ResolvedMessagingOptions>(CONSISTENT_MESSAGING_OPTIONS).concurrency;
    };
    expect(await concurrencyOf({})).toBe(8);
    expect(await concurrencyOf({ poolSize: 40 })).toBe(16);
    await expect(compile({ endpoint: 'pool', redis }, { poolSize: 2 })).rejects.toThrow(
      /pool has 2: raise poolSize[\s\S]* to at least 3/,
    );
  });

  it('reject the removed ambientUnitOfWork option', async () => {
    await expect(compile({ endpoint: 'x', redis, ambientUnitOfWork: false })).rejects.toThrow(
      /ambientUnitOfWork: no longer an option/,
    );
  });
});

describe('one DataSource for two endpoints', () => {
  it('fails the second at startup with DataSourceInUseError', async () => {
    const shared = new DataSource({ ...db });
    const start = (endpoint: string) =>
      Test.createTestingModule({
        imports: [
          TypeOrmModule.forRootAsync({
            useFactory: () => ({ ...db }),
            dataSourceFactory: async () => (shared.isInitialized ? shared : shared.initialize()),
          }),
          ConsistentMessagingModule.forRoot({
            endpoint,
            redis,
            createTables: true,
            tablePrefix: 'inuse_',
          }),
        ],
      })
        .compile()
        .then((moduleRef) => moduleRef.createNestApplication({ logger: false }).init());
    const first = await start('first');
    try {
      await expect(start('second')).rejects.toThrow(DataSourceInUseError);
    } finally {
      await first.close();
      if (shared.isInitialized) {
        await shared.query('DROP TABLE IF EXISTS inuse_outbox, inuse_inbox');
        await shared.destroy();
      }
    }
  });
});
