import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  ConsistentHandler,
  ConsistentMessagingModule,
  InvalidMessagingOptionsError,
  MessageContext,
  MissingMessagingTablesError,
} from '../../lib';
import { db, onPostgres, redis } from '../support/services';
import { ident } from '../support/sql';
import { cleanUp, tablesLike, uniquePrefix } from '../support/test-endpoint';

class Ping {}

@Injectable()
class PingHandler {
  @ConsistentHandler(Ping)
  handle(_ping: Ping, _context: MessageContext): void {}
}

const asyncPrefix = uniquePrefix('async');

@Injectable()
class MessagingConfig {
  readonly prefix = asyncPrefix;
}

@Module({ providers: [MessagingConfig], exports: [MessagingConfig] })
class ConfigModule {}

/** Data sources of apps that failed while compiling: nothing else would close them. */
const opened: DataSource[] = [];

const typeOrm = (prefix: string) =>
  TypeOrmModule.forRootAsync({
    useFactory: () => ({ ...db, entityPrefix: prefix }),
    dataSourceFactory: async (options) => {
      const dataSource = await new DataSource(options!).initialize();
      opened.push(dataSource);
      return dataSource;
    },
  });

async function boot(
  prefix: string,
  messaging: ReturnType<typeof ConsistentMessagingModule.forRoot>,
) {
  const moduleRef = await Test.createTestingModule({
    imports: [typeOrm(prefix), messaging],
    providers: [PingHandler],
  })
    .setLogger({ log: () => undefined, error: () => undefined, warn: () => undefined })
    .compile()
    .catch(async (error: unknown) => {
      await Promise.all(opened.splice(0).map((dataSource) => dataSource.destroy()));
      throw error;
    });
  opened.length = 0;
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    return await app.init();
  } catch (error) {
    await app.close();
    throw error;
  }
}

describe('module setup', () => {
  const prefix = uniquePrefix('setup');

  afterAll(() => cleanUp(prefix));

  it('fails at startup when the tables are missing and may not be created', async () => {
    const options = {
      endpoint: 'setup',
      redis,
      tablePrefix: prefix,
      queuePrefix: prefix.slice(0, -1),
    };
    const refused = boot(prefix, ConsistentMessagingModule.forRoot(options));
    await expect(refused).rejects.toThrow(MissingMessagingTablesError);
    await expect(refused).rejects.toThrow(
      new RegExp(
        `missing\\. Run the migration[^]*CREATE TABLE IF NOT EXISTS ${ident(`${prefix}outbox`)}`,
      ),
    );
    await expect(refused).rejects.toMatchObject({
      statements: expect.arrayContaining([expect.stringContaining(`${ident(`${prefix}inbox`)}`)]),
    });
  });

  it("names the statements that bring an earlier version's tables up to date, and creates them when allowed", async () => {
    const options = {
      endpoint: 'setup',
      redis,
      tablePrefix: prefix,
      queuePrefix: prefix.slice(0, -1),
    };
    const created = await boot(
      prefix,
      ConsistentMessagingModule.forRoot({ ...options, createTables: true }),
    );
    await created.get(DataSource).query(`DROP TABLE ${ident(`${prefix}subscriptions`)}`);
    await created.get(DataSource).query(`DROP TABLE ${ident(`${prefix}dead_letters`)}`);
    // A column added in a later version (MySQL only: the first PostgreSQL tables had them all).
    if (!onPostgres)
      await created
        .get(DataSource)
        .query(`ALTER TABLE ${ident(`${prefix}outbox`)} DROP COLUMN dispatch_error`);
    await created.close();
    const refused = boot(prefix, ConsistentMessagingModule.forRoot(options));
    await expect(refused).rejects.toThrow(MissingMessagingTablesError);
    await expect(refused).rejects.toThrow(
      new RegExp(
        `CREATE TABLE IF NOT EXISTS ${ident(`${prefix}subscriptions`)}[^]*CREATE TABLE IF NOT EXISTS ${ident(`${prefix}dead_letters`)}` +
          (onPostgres
            ? ''
            : `[^]*ALTER TABLE ${ident(`${prefix}outbox`)} ADD COLUMN ${ident('dispatch_error')}`),
      ),
    );
    await expect(refused).rejects.not.toThrow(/missing\. Run the migration/);
    const upgraded = await boot(
      prefix,
      ConsistentMessagingModule.forRoot({ ...options, createTables: true }),
    );
    await upgraded.close();
    await expect(
      boot(prefix, ConsistentMessagingModule.forRoot(options)).then((app) => app.close()),
    ).resolves.toBeUndefined();
  });

  it("refuses what a forRootAsync factory returns that would be ignored: unknown keys and the module's extras", async () => {
    const options = {
      endpoint: 'setup',
      redis,
      tablePrefix: prefix,
      queuePrefix: prefix.slice(0, -1),
      createTables: true,
    };
    const refused = boot(
      prefix,
      ConsistentMessagingModule.forRootAsync({
        useFactory: () => ({
          ...options,
          concurrensy: 4,
          admin: { enabled: true, allowUnguarded: true },
        }),
      }),
    );
    await expect(refused).rejects.toThrow(InvalidMessagingOptionsError);
    await expect(refused).rejects.toThrow(/concurrensy: not an option; did you mean concurrency\?/);
    await expect(refused).rejects.toThrow(
      /admin: read when the module is defined, so a forRootAsync factory can't set it: give it beside useFactory/,
    );
    // Beside useFactory, and in forRoot, it is where it belongs.
    const app = await boot(
      prefix,
      ConsistentMessagingModule.forRootAsync({
        admin: { enabled: true, allowUnguarded: true },
        useFactory: () => options,
      }),
    );
    await app.close();
  });

  it('takes its options from forRootAsync with injected dependencies', async () => {
    const app = await boot(
      asyncPrefix,
      ConsistentMessagingModule.forRootAsync({
        imports: [ConfigModule],
        inject: [MessagingConfig],
        useFactory: (config: MessagingConfig) => ({
          endpoint: 'async',
          redis,
          tablePrefix: config.prefix,
          queuePrefix: config.prefix.slice(0, -1),
          createTables: true,
        }),
      }),
    );
    try {
      const tables = await tablesLike(app.get(DataSource), asyncPrefix);
      expect(tables.sort()).toEqual([
        `${asyncPrefix}dead_letters`,
        `${asyncPrefix}inbox`,
        `${asyncPrefix}ordering_parked`,
        `${asyncPrefix}ordering_positions`,
        `${asyncPrefix}ordering_sequences`,
        `${asyncPrefix}outbox`,
        `${asyncPrefix}subscriptions`,
      ]);
    } finally {
      await app.close();
      await cleanUp(asyncPrefix);
    }
  });
});
