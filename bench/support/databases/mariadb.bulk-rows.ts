import type { DataSource } from 'typeorm';
import { createMessagingTablesSql } from '../../../lib';
import { BULK_SENT_AT, inChunks, type BulkRows } from '../bulk-rows';
import { randomIds } from '../messages';

/** Bulk loads on MariaDB/MySQL: numbers from a 1000-row table crossed with itself. */
export class MariadbBulkRows implements BulkRows {
  constructor(
    private readonly admin: DataSource,
    private readonly prefix: string,
  ) {}

  async outbox(count: number, options: { dispatched: boolean; salt: string }): Promise<void> {
    await this.ensureNumbers();
    const age = options.dispatched ? '2 HOUR' : '1 MINUTE';
    const createdAt = `NOW(3) - INTERVAL ${age} + INTERVAL n MICROSECOND`;
    const dispatchedAt = options.dispatched ? `${createdAt} + INTERVAL 5000 MICROSECOND` : 'NULL';
    const cause = uuidOf('hc');
    await this.withoutSecondaryIndexes('outbox', count, (from, size) =>
      this.admin.query(
        `INSERT INTO \`${this.prefix}outbox\` (message_id, message_type, destination, payload,
           headers, origin_endpoint, causation_id, correlation_id, created_at, dispatched_at)
         SELECT ${uuidOf('hm')}, 'bench.Followup', 'sink',
           CONCAT('{"n":', n, ',"amountCents":', 1000 + n % 5000, '}'),
           CONCAT('{"correlationId":"', ${cause}, '","causationId":"', ${cause},
                  '","originEndpoint":"work","sentAt":"${BULK_SENT_AT}"}'),
           'work', ${cause}, ${cause}, ${createdAt}, ${dispatchedAt}
         FROM (SELECT n, ${idHash('m', age)} AS hm, ${idHash('c', age)} AS hc
               FROM (${this.numbers()}) AS numbers) AS hashed`,
        [options.salt, options.salt, from, from + size],
      ),
    );
  }

  async inbox(count: number, salt: string): Promise<void> {
    await this.ensureNumbers();
    await this.withoutSecondaryIndexes('inbox', count, (from, size) =>
      this.admin.query(
        `INSERT INTO \`${this.prefix}inbox\` (endpoint, message_id, message_type, processed_at)
         SELECT 'work', ${uuidOf('h')}, 'bench.Work', NOW(3) - INTERVAL 2 HOUR + INTERVAL n MICROSECOND
         FROM (SELECT n, ${idHash('i', '2 HOUR')} AS h FROM (${this.numbers()}) AS numbers) AS hashed`,
        [salt, from, from + size],
      ),
    );
  }

  /** Numbers from ? (inclusive) to ? (exclusive), up to a million. */
  private numbers(): string {
    return `SELECT a.i * 1000 + b.i AS n FROM \`${this.prefix}numbers\` a
            CROSS JOIN \`${this.prefix}numbers\` b
            WHERE a.i * 1000 + b.i >= ? AND a.i * 1000 + b.i < ?`;
  }

  private async ensureNumbers(): Promise<void> {
    const table = `\`${this.prefix}numbers\``;
    await this.admin.query(`CREATE TABLE IF NOT EXISTS ${table} (i INT NOT NULL PRIMARY KEY)`);
    const values = Array.from({ length: 1000 }, (_, i) => `(${i})`).join(', ');
    await this.admin.query(`INSERT IGNORE INTO ${table} (i) VALUES ${values}`);
  }

  private async withoutSecondaryIndexes(
    table: 'outbox' | 'inbox',
    count: number,
    insert: (from: number, size: number) => Promise<unknown>,
  ): Promise<void> {
    const name = `\`${this.prefix}${table}\``;
    const indexes = secondaryIndexes(this.prefix, table);
    await this.admin.query(
      `ALTER TABLE ${name} ${indexes.map((index) => `DROP KEY \`${index.name}\``).join(', ')}`,
    );
    try {
      await inChunks(count, insert);
    } finally {
      await this.admin.query(
        `ALTER TABLE ${name} ${indexes.map((index) => `ADD ${index.definition}`).join(', ')}`,
      );
    }
  }
}

/** The secondary indexes of a messaging table, as the library's DDL declares them. */
function secondaryIndexes(
  prefix: string,
  table: 'outbox' | 'inbox',
): { name: string; definition: string }[] {
  const ddl = createMessagingTablesSql(prefix).find((sql) => sql.includes(`\`${prefix}${table}\``));
  const indexes = [...(ddl ?? '').matchAll(/^\s*((?:UNIQUE )?KEY `(\w+)` \([^)]*\))/gm)];
  return indexes.map((match) => ({ name: match[2], definition: match[1] }));
}

/**
 * 32 hex digits for the n-th id of a load: a millisecond timestamp from `age` ago (ten ids per ms)
 * followed by MD5 digits, ordered like the library's ids; with `--random-ids` an MD5 (random order).
 */
function idHash(tag: string, age: string): string {
  const random = `MD5(CONCAT('${tag}', ?, n))`;
  if (randomIds()) return random;
  const ms = `FLOOR(UNIX_TIMESTAMP(NOW(3) - INTERVAL ${age}) * 1000) + n DIV 10`;
  return `CONCAT(LPAD(LOWER(HEX(${ms})), 12, '0'), SUBSTR(${random}, 13))`;
}

/** A UUID-shaped string from a column holding 32 hex digits. */
function uuidOf(hash: string): string {
  return `CONCAT_WS('-', SUBSTR(${hash}, 1, 8), SUBSTR(${hash}, 9, 4), SUBSTR(${hash}, 13, 4),
    SUBSTR(${hash}, 17, 4), SUBSTR(${hash}, 21, 12))`;
}
