import Redis from 'ioredis';
import { rm } from 'fs/promises';
import { DataSource } from 'typeorm';
import { blobDirectory, database, QUEUE_PREFIX, redis, SAMPLE_TABLE_PREFIX } from '../config';

/** Drops the sample's tables, Redis keys and blobs, so each run starts clean and counts are exact. */
export async function resetSampleState(): Promise<void> {
  const dataSource = await new DataSource(database).initialize();
  try {
    // information_schema reads alike on both; only the name of the current schema does not.
    const schema = dataSource.options.type === 'postgres' ? 'current_schema()' : 'DATABASE()';
    const tables: { name: string }[] = await dataSource.query(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = ${schema} AND table_name LIKE ${dataSource.driver.createParameter('prefix', 0)}`,
      [`${SAMPLE_TABLE_PREFIX.replace(/[\\%_]/g, (char) => `\\${char}`)}%`],
    );
    for (const { name } of tables)
      await dataSource.query(`DROP TABLE ${dataSource.driver.escape(name)}`);
  } finally {
    await dataSource.destroy();
  }
  const client = new Redis(redis);
  try {
    const keys = await client.keys(`${QUEUE_PREFIX}:*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    await client.quit();
  }
  await rm(blobDirectory, { recursive: true, force: true });
}
