import { join } from 'path';

/** The databases the sample runs on, as `DB_TYPE` names them. */
const DATABASE_TYPES = ['mysql', 'mariadb', 'postgres'] as const;

/**
 * `DB_TYPE`: `mysql` (the default) or `mariadb` for MySQL/MariaDB, `postgres` for PostgreSQL. The
 * library picks its SQL from the data source's `type`, so this is all the sample has to choose.
 */
export const databaseType = databaseTypeSetting();

/**
 * Connection settings. MySQL/MariaDB: DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME (default
 * root, no password, `test` on 127.0.0.1:3306). PostgreSQL: PG_HOST, PG_PORT, PG_USER, PG_PASSWORD,
 * PG_DATABASE (default postgres, no password, `test` on 127.0.0.1:5432).
 */
export const database =
  databaseType === 'postgres'
    ? {
        type: databaseType,
        host: process.env.PG_HOST ?? '127.0.0.1',
        port: Number(process.env.PG_PORT ?? 5432),
        username: process.env.PG_USER ?? 'postgres',
        password: process.env.PG_PASSWORD ?? '',
        database: process.env.PG_DATABASE ?? 'test',
      }
    : {
        type: databaseType,
        host: process.env.DB_HOST ?? '127.0.0.1',
        port: Number(process.env.DB_PORT ?? 3306),
        username: process.env.DB_USER ?? 'root',
        password: process.env.DB_PASSWORD ?? '',
        database: process.env.DB_NAME ?? 'test',
      };

export const redis = {
  host: process.env.REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.REDIS_PORT ?? 6379),
};

/**
 * Every endpoint of the sample shares this BullMQ prefix, so they can reach each other's queues.
 * `SAMPLE_QUEUE_PREFIX` changes it (default `sample`).
 */
export const QUEUE_PREFIX = setting('SAMPLE_QUEUE_PREFIX', 'sample', /^[A-Za-z0-9_-]+$/);

/**
 * Starts every table name of the sample (`SAMPLE_TABLE_PREFIX`, default `sample_`); each run drops
 * and recreates the tables that start with it.
 */
export const SAMPLE_TABLE_PREFIX = setting('SAMPLE_TABLE_PREFIX', 'sample_', /^[A-Za-z0-9_]+$/);

/** Each service owns its tables, as separate services would own separate databases. */
export const tablePrefix = (service: 'orders' | 'payments' | 'shipping') =>
  `${SAMPLE_TABLE_PREFIX}${service}_`;

/** The endpoints: one Nest application each, one queue each. */
export const endpoints = {
  orders: 'orders',
  payments: 'payments',
  paymentsGateway: 'payments-gateway',
  shipping: 'shipping',
  shippingDocuments: 'shipping-documents',
} as const;

/** Where shipping-documents stores invoices (gitignored). */
export const blobDirectory = join(__dirname, '.blobs');

/** Base URL of the fake payment provider, given to the payments process by the main job. */
export const providerUrl = () => process.env.SAMPLE_PROVIDER_URL ?? 'http://127.0.0.1:4000';

/** The fake provider and blob store lose the reply of every Nth new request (0: never). */
export const lostReplyEvery = () => Number(process.env.SAMPLE_LOST_REPLY_EVERY ?? 4);

/** An environment setting, or `fallback`; refuses one the sample's cleanup could overreach with. */
function setting(name: string, fallback: string, pattern: RegExp): string {
  const value = process.env[name] ?? fallback;
  if (!pattern.test(value))
    throw new Error(
      `${name}: letters, digits and "_" only, not empty (got ${JSON.stringify(value)})`,
    );
  return value;
}

/** `DB_TYPE`, or `mysql` when unset or empty; refuses any other value, naming the accepted ones. */
function databaseTypeSetting(): (typeof DATABASE_TYPES)[number] {
  const value = process.env.DB_TYPE || 'mysql';
  const known = DATABASE_TYPES.find((type) => type === value);
  if (!known)
    throw new Error(
      `DB_TYPE: one of ${DATABASE_TYPES.join(', ')} (mysql and mariadb: MySQL/MariaDB, the ` +
        `default; postgres: PostgreSQL), not ${JSON.stringify(value)}`,
    );
  return known;
}
