import { numbered } from '../../lib/storage/postgres/numbered';
import { testDatabase } from './services';

/** An identifier quoted for the test database: `name` on MariaDB, "name" on PostgreSQL. */
export function ident(name: string): string {
  return testDatabase === 'postgres'
    ? `"${name.replace(/"/g, '""')}"`
    : `\`${name.replace(/`/g, '``')}\``;
}

/**
 * A statement written with `?` placeholders, as the test database takes it: numbered `$1, $2, …`
 * on PostgreSQL, unchanged on MariaDB. (No `?` may appear in the text but as a placeholder.)
 */
export function sql(text: string): string {
  return testDatabase === 'postgres' ? numbered(text) : text;
}

/** One value per database: `perDb({ mariadb: 'NOW(3)', postgres: 'now()' })`. */
export function perDb<T>(choices: { mariadb: T; postgres: T }): T {
  return choices[testDatabase];
}

/** The current time as a statement's expression, to the millisecond. */
export const NOW = perDb({ mariadb: 'NOW(3)', postgres: 'CURRENT_TIMESTAMP(3)' });

/**
 * The time `amount` units before now, as a statement's expression: `ago(2, 'MINUTE')`, or
 * `ago('?', 'HOUR')` with the amount as the next parameter (a number).
 */
export function ago(
  amount: number | '?',
  unit: 'MICROSECOND' | 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY',
): string {
  if (amount !== '?' && !Number.isFinite(amount)) throw new Error(`ago: not a number: ${amount}`);
  return perDb({
    mariadb: `${NOW} - INTERVAL ${amount} ${unit}`,
    postgres: `${NOW} - (${amount === '?' ? '?::float8' : amount} * INTERVAL '1 ${unit.toLowerCase()}')`,
  });
}

/**
 * `?` placeholders for a list, to spread its values into the parameters: `IN (${list(ids)})` with
 * `[...ids]` (the mysql driver's `IN (?)` with an array has no PostgreSQL equivalent).
 */
export function list(values: readonly unknown[]): string {
  if (values.length === 0) throw new Error('An empty list: IN () is no valid SQL');
  return values.map(() => '?').join(', ');
}

/** The id of the statement's own connection (KILL's thread id, PostgreSQL's backend pid). */
export const CONNECTION_ID = perDb({ mariadb: 'CONNECTION_ID()', postgres: 'pg_backend_pid()' });

/** Ends another connection of the test database, by the id CONNECTION_ID gave it. */
export function killConnection(connectionId: number): string {
  const id = Math.trunc(Number(connectionId));
  return perDb({ mariadb: `KILL ${id}`, postgres: `SELECT pg_terminate_backend(${id})` });
}

/** The schema information_schema's TABLE_SCHEMA names for the test database's own tables. */
export const CURRENT_SCHEMA = perDb({ mariadb: 'DATABASE()', postgres: 'current_schema()' });

/** `n`: 1 while the connection of the given id (the one parameter) is open, 0 once it is gone. */
export const COUNT_CONNECTION = perDb({
  mariadb: 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE id = ?',
  postgres: 'SELECT COUNT(*) AS n FROM pg_stat_activity WHERE pid = $1',
});

/** The driver's text for a statement that broke a primary or unique key. */
export const DUPLICATE_KEY = perDb({
  mariadb: /Duplicate entry/,
  postgres: /duplicate key value violates unique constraint/,
});

/**
 * Before reading pg_stat_activity: PostgreSQL keeps what a transaction first read of it until the
 * transaction ends, and a poll may run inside one (the unit of work the test's own transaction
 * became). No-op on MariaDB, whose PROCESSLIST is read afresh each time.
 */
export async function freshActivity(queryable: {
  query(text: string): Promise<unknown>;
}): Promise<void> {
  if (testDatabase === 'postgres') await queryable.query('SELECT pg_stat_clear_snapshot()');
}
