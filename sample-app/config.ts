import { join } from 'path';

/** Connection settings; override with DB_* and REDIS_* environment variables. */
export const database = {
  type: 'mysql' as const,
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
