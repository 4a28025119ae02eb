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

/** Every endpoint of the sample shares this BullMQ prefix, so they can reach each other's queues. */
export const QUEUE_PREFIX = 'sample';

/** Each service owns its tables, as separate services would own separate databases. */
export const tablePrefix = (service: 'orders' | 'payments' | 'shipping') => `sample_${service}_`;

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
