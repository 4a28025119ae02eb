import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { benchDatabase } from './bench-database';
import { ignoreClient } from './client-counters';
import { ServerProbe } from './server-counters';
import { BENCH_PREFIX, redis } from './services';

/**
 * The bench's own connections: an admin data source for setup, bulk loads and probes, and a Redis
 * client for polling and cleanup. Neither is counted as load of the system under test.
 */
export class BenchEnv {
  /** The database of this run (`--db`). */
  readonly database = benchDatabase();
  readonly admin = new DataSource({ ...this.database.connection, poolSize: 4 });
  readonly redis = ignoreClient(new Redis({ ...redis, maxRetriesPerRequest: null }));
  readonly probe = new ServerProbe(this.database, this.admin, this.redis);

  async open(): Promise<void> {
    await this.admin.initialize();
    await this.probe.init();
  }

  async close(): Promise<void> {
    await this.admin.destroy();
    await this.redis.quit();
  }

  /**
   * Waits (up to `maxMs`) until the server's background cleanup of what earlier runs deleted or
   * updated is done (InnoDB purge, autovacuum), so that it doesn't compete with the next timed run.
   * Returns the wait.
   */
  async settle(maxMs = 20_000): Promise<number> {
    const waited = await this.database.settle(this.admin, maxMs);
    if (waited >= 1000)
      console.log(`  (waited ${(waited / 1000).toFixed(1)} s for ${this.database.backgroundWork})`);
    return waited;
  }

  /** After a bulk load, until the server has written it back (InnoDB flushed, a checkpoint). */
  settleWrites(maxMs = 60_000): Promise<number> {
    return this.database.settleWrites(this.admin, maxMs);
  }

  /** Drops every table whose name starts with `prefix`, and the prefix's Redis keys. */
  async dropPrefix(prefix: string, redisPattern = `${queuePrefixOf(prefix)}:*`): Promise<void> {
    for (const name of await this.database.tablesStartingWith(this.admin, prefix))
      await this.admin.query(`DROP TABLE IF EXISTS ${this.database.quote(name)}`);
    await this.dropRedisKeys(redisPattern);
  }

  /** Removes whatever an earlier, interrupted bench run left behind. */
  async dropEverything(): Promise<void> {
    await this.dropPrefix(BENCH_PREFIX, `${BENCH_PREFIX}*:*`);
  }

  /** The business table and the messaging tables of a scenario prefix. */
  async createTables(prefix: string): Promise<void> {
    for (const sql of this.database.createTablesSql(prefix)) await this.admin.query(sql);
  }

  /** Empties the scenario's tables and Redis keys between runs, so every run starts alike. */
  async reset(prefix: string): Promise<void> {
    // The ordering tables too: a key's numbers from an earlier run would make its messages copies.
    const ordering = ['ordering_sequences', 'ordering_positions', 'ordering_parked'];
    for (const table of ['row', 'outbox', 'inbox', ...ordering]) {
      await this.admin.query(this.database.emptyTableSql(`${prefix}${table}`));
    }
    await this.dropRedisKeys(`${queuePrefixOf(prefix)}:*`);
  }

  /** Deletes the Redis keys matching a SCAN pattern. */
  async dropRedisKeys(pattern: string): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
}

/** BullMQ key prefix of a table prefix: `bench_tp_` -> `bench_tp`. */
export function queuePrefixOf(prefix: string): string {
  return prefix.replace(/_+$/, '');
}
