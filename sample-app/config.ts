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

/** Each endpoint owns its tables, as separate services would own separate databases. */
export const tablePrefix = (endpoint: string) => `sample_${endpoint}_`;
