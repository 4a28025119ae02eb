import { databaseConnection, type DatabaseConnection } from '../test/support/services';
/** The databases the harness runs against (`--db`), as their TypeORM data source types. */
export const HARNESS_DATABASES = ['mariadb', 'postgres'] as const;
export type HarnessDatabase = (typeof HARNESS_DATABASES)[number];

/** Root (admin) settings of each database, as the tests use them. */
export const rootConnection = (database: HarnessDatabase): DatabaseConnection =>
  databaseConnection(database);

/**
 * Connection settings shared by the harness and its child endpoints. The children get theirs from
 * the environment the harness sets (HARNESS_*).
 */
export interface HarnessConnections {
  /** Table prefix of the run; the BullMQ prefix is the same without the trailing `_`. */
  prefix: string;
  /** The run's own database user. */
  db: DatabaseConnection;
  redis: { host: string; port: number };
}

export function queuePrefixOf(prefix: string): string {
  return prefix.replace(/_+$/, '');
}

/** What the child reads back: the inverse of `toChildEnv`. */
export function connectionsFromEnv(env: NodeJS.ProcessEnv = process.env): HarnessConnections {
  const prefix = env.HARNESS_PREFIX;
  if (!prefix) throw new Error('HARNESS_PREFIX: give the table and Redis prefix of the run');
  const type = env.HARNESS_DB_TYPE;
  if (type !== 'mysql' && type !== 'postgres')
    throw new Error(`HARNESS_DB_TYPE: mysql or postgres (got "${type}")`);
  return {
    prefix,
    db: {
      type,
      host: env.HARNESS_DB_HOST ?? '127.0.0.1',
      port: Number(env.HARNESS_DB_PORT),
      username: env.HARNESS_DB_USER ?? '',
      password: env.HARNESS_DB_PASSWORD ?? '',
      database: env.HARNESS_DB_NAME ?? 'test',
    },
    redis: { host: '127.0.0.1', port: Number(env.HARNESS_REDIS_PORT ?? 6379) },
  };
}

export function toChildEnv(connections: HarnessConnections): Record<string, string> {
  const { db } = connections;
  return {
    HARNESS_PREFIX: connections.prefix,
    HARNESS_DB_TYPE: db.type,
    HARNESS_DB_HOST: db.host,
    HARNESS_DB_PORT: String(db.port),
    HARNESS_DB_NAME: db.database,
    HARNESS_DB_USER: db.username,
    HARNESS_DB_PASSWORD: db.password,
    HARNESS_REDIS_PORT: String(connections.redis.port),
  };
}

/** Messaging settings of every endpoint of the chain: short locks, many retries, fast sweeps. */
export const chainMessaging = {
  lockDurationMs: 2000,
  keepCompletedJobs: 1_000_000,
  retry: { attempts: 30, backoff: { type: 'fixed' as const, delay: 300 } },
  relay: { sweepDelayMs: 500, sweepIntervalMs: 250, subscriptionCacheMs: 500 },
};
