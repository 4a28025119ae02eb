/** The bench uses the same MariaDB/MySQL and Redis settings as the tests. */
export { db, redis } from '../../test/support/services';

/** Every table and Redis key the bench creates starts with this. */
export const BENCH_PREFIX = 'bench_';
