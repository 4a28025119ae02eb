import { testDatabase } from './services';

/**
 * For tests of MariaDB/MySQL behaviour only (KILL, error numbers, innodb_* variables, …): they run
 * on MariaDB and are skipped with TEST_DB=postgres.
 */
export const describeOnMariaDb = testDatabase === 'mariadb' ? describe : describe.skip;
export const itOnMariaDb = testDatabase === 'mariadb' ? it : it.skip;
/** For tests of PostgreSQL behaviour only. */
export const describeOnPostgres = testDatabase === 'postgres' ? describe : describe.skip;
export const itOnPostgres = testDatabase === 'postgres' ? it : it.skip;
