/**
 * The bench uses the tests' Redis; its databases (MariaDB with DB_*, PostgreSQL with PG_*
 * variables) are in databases/.
 */
export { redis } from '../../test/support/services';

/** Every table and Redis key the bench creates starts with this. */
export const BENCH_PREFIX = 'bench_';
