import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { createMessagingTablesSql } from '../../lib';
import { ignoreClient } from './client-counters';
import { businessTableSql } from './messages';
import { ServerProbe } from './server-counters';
import { BENCH_PREFIX, db, redis } from './services';

/**
 * The bench's own connections: an admin data source for setup, bulk loads and probes, and a Redis
 * client for polling and cleanup. Neither is counted as load of the system under test.
 */
export class BenchEnv {
  readonly admin = new DataSource({ type: 'mysql', ...db, poolSize: 4 });
  readonly redis = ignoreClient(new Redis({ ...redis, maxRetriesPerRequest: null }));
  readonly probe = new ServerProbe(this.admin, this.redis);

  async open(): Promise<void> {
    await this.admin.initialize();
    await this.probe.init();
  }

  async close(): Promise<void> {
    await this.admin.destroy();
    await this.redis.quit();
  }

  /**
   * Waits (up to `maxMs`) until InnoDB has purged what earlier runs deleted or updated, so that
   * background purge doesn't compete with the next timed run: until the history list is short, or
   * stops shrinking for two seconds (an open transaction elsewhere holds it). Returns the wait.
   */
  async settle(maxMs = 20_000): Promise<number> {
    const started = Date.now();
    let best = Infinity;
    let bestAt = started;
    while (Date.now() - started < maxMs) {
      const length = await this.historyListLength();
      if (length < 1000) break;
      if (length < best * 0.98) {
        best = length;
        bestAt = Date.now();
      } else if (Date.now() - bestAt > 2000) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const waited = Date.now() - started;
    if (waited >= 1000) console.log(`  (waited ${(waited / 1000).toFixed(1)} s for InnoDB purge)`);
    return waited;
  }

  /**
   * After a bulk load: waits (up to `maxMs`) until InnoDB has written most dirty pages back, or
   * stops making progress for five seconds (other clients keep dirtying pages), so the next timed
   * run doesn't share the disk and CPU with the page cleaner. Returns the wait.
   */
  async settleFlushing(maxMs = 60_000): Promise<number> {
    const started = Date.now();
    const total = await this.status('Innodb_buffer_pool_pages_total');
    let best = Infinity;
    let bestAt = started;
    while (Date.now() - started < maxMs) {
      const dirty = await this.status('Innodb_buffer_pool_pages_dirty');
      if (dirty < 0.05 * total) break;
      if (dirty < best * 0.95) {
        best = dirty;
        bestAt = Date.now();
      } else if (Date.now() - bestAt > 5000) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return Date.now() - started;
  }

  private historyListLength(): Promise<number> {
    return this.status('Innodb_history_list_length');
  }

  private async status(name: string): Promise<number> {
    const [{ Value }]: { Value: string }[] = await this.admin.query(`SHOW GLOBAL STATUS LIKE ?`, [
      name,
    ]);
    return Number(Value);
  }

  /** Drops every table whose name starts with `prefix`, and the prefix's Redis keys. */
  async dropPrefix(prefix: string, redisPattern = `${queuePrefixOf(prefix)}:*`): Promise<void> {
    const tables: { name: string }[] = await this.admin.query(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ?`,
      [`${prefix.replace(/_/g, '\\_')}%`],
    );
    for (const { name } of tables) await this.admin.query(`DROP TABLE IF EXISTS \`${name}\``);
    await this.dropRedisKeys(redisPattern);
  }

  /** Removes whatever an earlier, interrupted bench run left behind. */
  async dropEverything(): Promise<void> {
    await this.dropPrefix(BENCH_PREFIX, `${BENCH_PREFIX}*:*`);
  }

  /** The business table and the messaging tables of a scenario prefix. */
  async createTables(prefix: string): Promise<void> {
    await this.admin.query(businessTableSql(prefix));
    for (const sql of createMessagingTablesSql(prefix)) await this.admin.query(sql);
  }

  /** Empties the scenario's tables and Redis keys between runs, so every run starts alike. */
  async reset(prefix: string): Promise<void> {
    for (const table of ['row', 'outbox', 'inbox']) {
      await this.admin.query(`TRUNCATE TABLE \`${prefix}${table}\``);
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
