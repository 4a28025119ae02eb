import {
  Logger,
  type DynamicModule,
  type INestApplication,
  type LogLevel,
  type Provider,
  type Type,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'crypto';
import { cpus, loadavg } from 'os';
import Redis from 'ioredis';
import { DataSource, type EntitySchema } from 'typeorm';
import { ConsistentMessagingModule, type ConsistentMessagingModuleOptions } from '../../lib';
import { useInMemoryTransport } from '../../lib/testing';
import { db, onPostgres, redis } from './services';
import { ident } from './sql';

export interface TestEndpointOptions {
  endpoint: string;
  /** Table and Redis prefix of the test file; every endpoint of one scenario shares it. */
  prefix: string;
  providers?: Provider[];
  controllers?: Type[];
  entities?: (Type | EntitySchema)[];
  imports?: DynamicModule[];
  messaging?: Partial<ConsistentMessagingModuleOptions>;
  /** Connections in the TypeORM pool (TypeORM's default 10 otherwise). */
  poolSize?: number;
  /** Queues in this process instead of Redis (the test kit's useInMemoryTransport). */
  inMemory?: boolean;
}

/** A unique prefix for one test file's tables and Redis keys. */
export function uniquePrefix(name: string): string {
  return `t${randomBytes(3).toString('hex')}_${name}_`;
}

/** Starts a Nest application for one endpoint against the real database (MariaDB or PostgreSQL) and Redis. */
export async function startEndpoint(options: TestEndpointOptions): Promise<INestApplication> {
  const builder = Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({
        ...db,
        entities: options.entities ?? [],
        entityPrefix: options.prefix,
        synchronize: true,
        poolSize: options.poolSize,
      }),
      ConsistentMessagingModule.forRoot({
        endpoint: options.endpoint,
        redis,
        tablePrefix: options.prefix,
        queuePrefix: options.prefix.replace(/_+$/, ''),
        createTables: true,
        lockDurationMs: 5000,
        retry: { attempts: 3, backoff: { type: 'fixed', delay: 100 } },
        relay: { sweepDelayMs: 300, sweepIntervalMs: 100, subscriptionCacheMs: 0 },
        ...options.messaging,
      }),
      ...(options.imports ?? []),
    ],
    providers: options.providers ?? [],
    controllers: options.controllers ?? [],
  });
  const moduleRef = await (options.inMemory ? useInMemoryTransport(builder) : builder).compile();
  const app = moduleRef.createNestApplication({ logger: quietLogger() });
  Logger.overrideLogger(quietLogger());
  await app.init();
  return app;
}

function quietLogger(): LogLevel[] {
  return process.env.TEST_LOGS ? ['log', 'warn', 'error', 'debug'] : ['error'];
}

/** The names of the test database's tables that start with `prefix` (taken literally). */
export async function tablesLike(dataSource: DataSource, prefix: string): Promise<string[]> {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows: { name: string }[] = await dataSource.query(
    onPostgres
      ? `SELECT table_name AS name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_name LIKE $1`
      : `SELECT TABLE_NAME AS name FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ?`,
    [pattern],
  );
  return rows.map(({ name }) => name);
}

/** Drops the prefix's tables and deletes its Redis keys. */
export async function cleanUp(prefix: string): Promise<void> {
  const dataSource = new DataSource({ ...db });
  await dataSource.initialize();
  try {
    for (const name of await tablesLike(dataSource, prefix))
      await dataSource.query(
        onPostgres
          ? `DROP TABLE IF EXISTS ${ident(name)} CASCADE`
          : `DROP TABLE IF EXISTS ${ident(name)}`,
      );
  } finally {
    await dataSource.destroy();
  }
  const client = new Redis(redis);
  const keys = await client.keys(`${prefix.replace(/_+$/, '')}:*`);
  // In chunks: a test may leave hundreds of thousands of job keys.
  for (let start = 0; start < keys.length; start += 1000)
    await client.del(...keys.slice(start, start + 1000));
  await client.quit();
}

/**
 * Polls until `check` returns true, or fails with `what` after `timeoutMs`, stretched on a loaded
 * machine by its run queue per core over the last minute.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs * Math.max(1, loadavg()[0] / cpus().length);
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
