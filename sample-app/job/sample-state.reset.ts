import Redis from 'ioredis';
import { rm } from 'fs/promises';
import { DataSource } from 'typeorm';
import { blobDirectory, database, QUEUE_PREFIX, redis, SAMPLE_TABLE_PREFIX } from '../config';

/** Drops the sample's tables, Redis keys and blobs, so each run starts clean and counts are exact. */
export async function resetSampleState(): Promise<void> {
  const dataSource = await new DataSource(database).initialize();
  try {
    const tables: { name: string }[] = await dataSource.query(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ?`,
      [`${SAMPLE_TABLE_PREFIX.replace(/[\\%_]/g, (char) => `\\${char}`)}%`],
    );
    for (const { name } of tables) await dataSource.query(`DROP TABLE \`${name}\``);
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
