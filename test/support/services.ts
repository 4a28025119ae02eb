/**
 * Which database the tests run against: TEST_DB unset or `mariadb` for MariaDB/MySQL, `postgres`
 * for PostgreSQL. The same spec files run on either.
 */
export const testDatabase: 'mariadb' | 'postgres' = (() => {
  const chosen = (process.env.TEST_DB ?? 'mariadb').toLowerCase();
  if (chosen === '' || chosen === 'mariadb' || chosen === 'mysql') return 'mariadb';
  if (chosen === 'postgres' || chosen === 'postgresql') return 'postgres';
  throw new Error(`TEST_DB=${process.env.TEST_DB}: expected "mariadb" or "postgres"`);
})();

export const onPostgres = testDatabase === 'postgres';

interface DbOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
}

/** MariaDB/MySQL, overridden with DB_* variables. */
const mariadb = {
  type: 'mysql',
  host: process.env.DB_HOST ?? '127.0.0.1',
  port: Number(process.env.DB_PORT ?? 3306),
  username: process.env.DB_USER ?? 'root',
  password: process.env.DB_PASSWORD ?? '',
  database: process.env.DB_NAME ?? 'test',
} as const satisfies DbOptions & { type: 'mysql' };

/** PostgreSQL, overridden with PG_* variables. */
const postgres = {
  type: 'postgres',
  host: process.env.PG_HOST ?? '127.0.0.1',
  port: Number(process.env.PG_PORT ?? 5432),
  username: process.env.PG_USER ?? 'postgres',
  password: process.env.PG_PASSWORD ?? '',
  database: process.env.PG_DATABASE ?? 'test',
} as const satisfies DbOptions & { type: 'postgres' };

/**
 * Where the test database is, as TypeORM connection options with their `type`:
 * `new DataSource({ ...db })`, `TypeOrmModule.forRoot({ ...db, entities })`.
 */
export const db: typeof mariadb | typeof postgres = onPostgres ? postgres : mariadb;

export const redis = {
  host: process.env.REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.REDIS_PORT ?? 6379),
};
