import { db } from '../test/support/services';
/**
 * Connection settings shared by the harness and its child endpoints. The children get theirs from
 * the environment the harness sets (HARNESS_*), on top of the DB_* variables of test/support.
 */
export interface HarnessConnections {
  /** Table prefix of the run; the BullMQ prefix is the same without the trailing `_`. */
  prefix: string;
  db: { host: string; port: number; username: string; password: string; database: string };
  redis: { host: string; port: number };
}

export function queuePrefixOf(prefix: string): string {
  return prefix.replace(/_+$/, '');
}

/** What the child reads back: the inverse of `toChildEnv`. */
export function connectionsFromEnv(env: NodeJS.ProcessEnv = process.env): HarnessConnections {
  const prefix = env.HARNESS_PREFIX;
  if (!prefix) throw new Error('HARNESS_PREFIX: give the table and Redis prefix of the run');
  return {
    prefix,
    db: {
      host: env.DB_HOST ?? '127.0.0.1',
      port: Number(env.DB_PORT ?? 3306),
      username: env.HARNESS_DB_USER ?? 'root',
      password: env.HARNESS_DB_PASSWORD ?? '',
      database: env.DB_NAME ?? 'test',
    },
    redis: { host: '127.0.0.1', port: Number(env.HARNESS_REDIS_PORT ?? 6379) },
  };
}

export function toChildEnv(connections: HarnessConnections): Record<string, string> {
  return {
    HARNESS_PREFIX: connections.prefix,
    HARNESS_DB_USER: connections.db.username,
    HARNESS_DB_PASSWORD: connections.db.password,
    HARNESS_REDIS_PORT: String(connections.redis.port),
  };
}

/** Root (admin) settings: MariaDB as the tests use it. */
export const adminDb = db;

/** Messaging settings of every endpoint of the chain: short locks, many retries, fast sweeps. */
export const chainMessaging = {
  lockDurationMs: 2000,
  keepCompletedJobs: 1_000_000,
  retry: { attempts: 30, backoff: { type: 'fixed' as const, delay: 300 } },
  relay: { sweepDelayMs: 500, sweepIntervalMs: 250, subscriptionCacheMs: 500 },
};
