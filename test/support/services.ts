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

/** TypeORM connection options of one database, with its `type`. */
export type DatabaseConnection = {
  type: 'mysql' | 'postgres';
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
};

/**
 * Where each database is, for the tests, the harness and the bench: MariaDB/MySQL overridden with
 * DB_* variables, PostgreSQL with PG_* variables.
 */
export function databaseConnection(
  database: 'mariadb' | 'postgres',
  env: NodeJS.ProcessEnv = process.env,
): DatabaseConnection {
  if (database === 'postgres')
    return {
      type: 'postgres',
      host: env.PG_HOST ?? '127.0.0.1',
      port: Number(env.PG_PORT ?? 5432),
      username: env.PG_USER ?? 'postgres',
      password: env.PG_PASSWORD ?? '',
      database: env.PG_DATABASE ?? 'test',
    };
  return {
    type: 'mysql',
    host: env.DB_HOST ?? '127.0.0.1',
    port: Number(env.DB_PORT ?? 3306),
    username: env.DB_USER ?? 'root',
    password: env.DB_PASSWORD ?? '',
    database: env.DB_NAME ?? 'test',
  };
}

/**
 * Where the test database is, as TypeORM connection options with their `type`:
 * `new DataSource({ ...db })`, `TypeOrmModule.forRoot({ ...db, entities })`.
 */
export const db = databaseConnection(testDatabase) as
  | (DatabaseConnection & { type: 'mysql' })
  | (DatabaseConnection & { type: 'postgres' });

export const redis = {
  host: process.env.REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.REDIS_PORT ?? 6379),
};
