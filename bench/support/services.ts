/** Where the real MariaDB/MySQL and Redis are; override with DB_* and REDIS_* variables. */
export const db = {
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

/** Every table and Redis key the bench creates starts with this. */
export const BENCH_PREFIX = 'bench_';
