import type { DataSource } from 'typeorm';
import type { DatabaseConnection } from '../../test/support/services';
import type { DatabaseName } from '../bench-options';
import type { BulkRows } from './bulk-rows';
import { mariadb } from './databases/mariadb';
import { postgres } from './databases/postgres';

/**
 * What differs between the databases the bench runs on: where the server is, the bench's DDL and
 * catalog queries, and what the server tells about its own load. Everything else is the same code;
 * both systems reach the database through TypeORM and the library picks its dialect itself.
 */
export interface BenchDatabase {
  name: DatabaseName;
  /** For output: `MariaDB`, `PostgreSQL`. */
  label: string;
  /** Where it is: `new DataSource({ ...connection })`. */
  connection: DatabaseConnection;
  /** Name of the server's processes, and the key of their CPU time in the counters. */
  serverProcess: string;
  /** What `settle()` waits for, for its log line. */
  backgroundWork: string;
  quote(identifier: string): string;
  /** The n-th (from 1) bind parameter of a statement: `?` or `$n`. */
  parameter(n: number): string;
  /** Updates the planner's statistics of the tables. */
  analyzeSql(tables: string[]): string;
  /** Bulk loads into the messaging tables of a prefix. */
  bulkRows(admin: DataSource, prefix: string): BulkRows;
  /** After a bulk load: waits up to `maxMs` until the server has written it back; returns the wait. */
  settleWrites(admin: DataSource, maxMs: number): Promise<number>;
  /** The counter of pages read from outside the server's buffer cache, and its label. */
  bufferMisses: { counter: string; label: string };
  /** DDL of the business table and of the library's messaging tables of a prefix. */
  createTablesSql(prefix: string): string[];
  /** Empties a table and restarts its ids. */
  emptyTableSql(table: string): string;
  /** Tables of the connection's database (schema) whose name starts with `prefix`. */
  tablesStartingWith(admin: DataSource, prefix: string): Promise<string[]>;
  /** The server's global counters that it has (cumulative; deltas are taken). */
  counters(admin: DataSource): Promise<Record<string, number>>;
  /** A reader of the server's CPU ms so far, all its processes; undefined when /proc hides it. */
  cpuReader(admin: DataSource): Promise<() => number | undefined>;
  /** Waits up to `maxMs` until the server's background cleanup is done; returns the wait in ms. */
  settle(admin: DataSource, maxMs: number): Promise<number>;
  /** Version and the settings that matter to the figures. */
  describe(admin: DataSource): Promise<Record<string, unknown>>;
}

let selected: BenchDatabase = mariadb;

/** `--db`: the database of this bench run, chosen once at start (MariaDB unless told). */
export function useDatabase(name: DatabaseName): void {
  selected = name === 'postgres' ? postgres : mariadb;
}

export function benchDatabase(): BenchDatabase {
  return selected;
}
