import { Injectable, Logger, Module, Scope, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  ConsistentHandler,
  ConsistentMessagingModule,
  DatabaseUnavailableError,
  DuplicateMessagingModuleError,
  InvalidHandlerError,
  Message,
  type MessageContext,
  MessagePublisher,
  Outbox,
  RedisUnavailableError,
  UnsupportedDatabaseError,
} from '../../lib';
import { RedisServerProcess, freePort } from '../support/redis-server';
import { db, redis } from '../support/services';
import { ident } from '../support/sql';
import { TcpProxy } from '../support/tcp-proxy';
import { cleanUp, sleep, uniquePrefix, waitFor } from '../support/test-endpoint';

@Message('startup.Noted')
class Noted {
  constructor(readonly text: string) {}
}

@Injectable()
class NoteService {
  constructor(private readonly publisher: MessagePublisher) {}

  @Outbox()
  async note(text: string): Promise<string> {
    return this.publisher.publish(new Noted(text));
  }
}

/** Decorated, but no module lists it: its handler would never run. */
class ForgottenHandler {
  @ConsistentHandler(Noted)
  onNoted(_message: Noted, _context: MessageContext): void {}
}

@Injectable({ scope: Scope.REQUEST })
class RequestScopedService {
  @Outbox()
  async act(): Promise<void> {}
}

/**
 * Startup says what is wrong instead of starting half-broken: a decorated class nobody provides, two
 * messaging modules, a request-scoped @Outbox(), no shutdown hooks, Redis not there; and an
 * @Outbox() call while the database is down fails with a typed error.
 */
describe('startup checks', () => {
  const prefix = uniquePrefix('startup');
  const apps: INestApplication[] = [];
  const messaging = (options: object = {}) => ({
    endpoint: 'startup',
    redis,
    tablePrefix: prefix,
    queuePrefix: prefix.slice(0, -1),
    createTables: true,
    ...options,
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await cleanUp(prefix);
  });

  async function start(
    imports: object[],
    providers: object[] = [NoteService],
    database: typeof db = db,
  ): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [TypeOrmModule.forRoot({ ...database }), ...(imports as never[])],
      providers: providers as never[],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    try {
      await app.init();
    } catch (error) {
      await app.close();
      throw error;
    }
    apps.push(app);
    return app;
  }

  it('warns about a class with decorated methods that no module provides, and about missing shutdown hooks', async () => {
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    try {
      await start([ConsistentMessagingModule.forRoot(messaging())]);
      const texts = () => warnings.mock.calls.map(([text]) => String(text));
      expect(texts()).toContainEqual(
        expect.stringMatching(
          /^ForgottenHandler has @ConsistentHandler\(\).* is no provider or controller of this application, so they never run/,
        ),
      );
      await waitFor('the shutdown-hook warning', () =>
        texts().some((text) =>
          /No SIGTERM handler: call app.enableShutdownHooks\(\) in main.ts/.test(text),
        ),
      );
    } finally {
      warnings.mockRestore();
    }
    expect(ForgottenHandler).toBeDefined();
  });

  it('does not warn about shutdown hooks once they are enabled', async () => {
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ ...db }),
        ConsistentMessagingModule.forRoot(messaging({ endpoint: 'startup-hooks' })),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    app.enableShutdownHooks();
    try {
      await app.init();
      await sleep(1500);
      expect(warnings.mock.calls.map(([text]) => String(text))).not.toContainEqual(
        expect.stringMatching(/No SIGTERM handler/),
      );
    } finally {
      warnings.mockRestore();
      await app.close();
    }
  });

  it('refuses two messaging modules in one application, each on a data source of its own', async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({ name: 'second', ...db }),
        ConsistentMessagingModule.forRoot({
          ...messaging({ endpoint: 'second' }),
          dataSource: 'second',
        }),
      ],
    })
    class SecondModule {}
    await expect(
      start([ConsistentMessagingModule.forRoot(messaging()), SecondModule]),
    ).rejects.toThrow(DuplicateMessagingModuleError);
  });

  it('refuses @Outbox() on a request-scoped provider, naming it', async () => {
    const starting = start(
      [ConsistentMessagingModule.forRoot(messaging())],
      [RequestScopedService],
    );
    await expect(starting).rejects.toThrow(InvalidHandlerError);
    await expect(starting).rejects.toThrow(
      /RequestScopedService\.act: @Outbox\(\) needs a singleton provider, and this one is request-scoped/,
    );
  });

  it('waits for a Redis that comes up late, and fails with a named error for one that never does', async () => {
    const port = await freePort();
    await expect(
      start([
        ConsistentMessagingModule.forRoot(
          messaging({ redis: { host: '127.0.0.1', port }, redisStartupTimeoutMs: 1500 }),
        ),
      ]),
    ).rejects.toThrow(
      new RegExp(
        `Redis at 127.0.0.1:${port} did not answer within 1500 ms of startup .*raise redisStartupTimeoutMs`,
      ),
    );
    await expect(
      start([
        ConsistentMessagingModule.forRoot(
          messaging({ redis: { host: '127.0.0.1', port }, redisStartupTimeoutMs: 500 }),
        ),
      ]),
    ).rejects.toThrow(RedisUnavailableError);

    const late = new RedisServerProcess(port);
    try {
      const starting = start([
        ConsistentMessagingModule.forRoot(
          messaging({ redis: late.connection, redisStartupTimeoutMs: 20000 }),
        ),
      ]);
      await sleep(1500);
      await late.start();
      const app = await starting;
      await app.close();
      apps.splice(apps.indexOf(app), 1);
    } finally {
      await late.destroy();
    }
  }, 60_000);

  it('fails an @Outbox() call with DatabaseUnavailableError while the database is down, and works once it is back', async () => {
    const proxy = new TcpProxy(await freePort(), { host: db.host, port: db.port });
    await proxy.start();
    const app = await start(
      [ConsistentMessagingModule.forRoot(messaging({ endpoint: 'startup-db' }))],
      [NoteService],
      { ...db, host: '127.0.0.1', port: proxy.port },
    );
    try {
      await app.get(NoteService).note('before');
      await proxy.stop();
      await expect(app.get(NoteService).note('down')).rejects.toThrow(DatabaseUnavailableError);
      await proxy.start();
      await expect(app.get(NoteService).note('after')).resolves.toEqual(expect.any(String));
      const rows: unknown[] = await app
        .get(DataSource)
        .query(`SELECT 1 FROM ${ident(`${prefix}outbox`)} WHERE origin_endpoint = 'startup-db'`);
      expect(rows).toHaveLength(2);
    } finally {
      await app.close();
      apps.splice(apps.indexOf(app), 1);
      await proxy.stop();
    }
  }, 60_000);

  it('refuses a data source of a database it does not support, naming the ones it does', async () => {
    // A data source of a type no driver on this machine serves: startup must refuse it before
    // anything touches the database, so it never connects.
    const options = { type: 'mssql' as const, host: '127.0.0.1', database: 'unreached' };
    const unconnected = { options, isInitialized: true, manager: {}, destroy: async () => {} };
    const compiling = Test.createTestingModule({
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => options,
          dataSourceFactory: async () => unconnected as unknown as DataSource,
        }),
        ConsistentMessagingModule.forRoot(messaging({ endpoint: 'startup-mssql' })),
      ],
    }).compile();
    await expect(compiling).rejects.toThrow(UnsupportedDatabaseError);
    await expect(compiling).rejects.toThrow(
      /of type "mssql", which this library does not support\. Supported types: "mysql", "mariadb", "postgres"/,
    );
  });
});
