import type { DataSource } from 'typeorm';
import { createMessagingTablesSql } from '../../../lib';
import { BULK_SENT_AT, inChunks, type BulkRows } from '../bulk-rows';
import { randomIds } from '../messages';

/** Bulk loads on PostgreSQL: numbers from `generate_series`; $1 is the salt, $2..$3 the range. */
export class PostgresBulkRows implements BulkRows {
  constructor(
    private readonly admin: DataSource,
    private readonly prefix: string,
  ) {}

  async outbox(count: number, options: { dispatched: boolean; salt: string }): Promise<void> {
    const age = options.dispatched ? '2 hours' : '1 minute';
    const createdAt = `clock_timestamp() - interval '${age}' + n * interval '1 microsecond'`;
    const dispatchedAt = options.dispatched ? `${createdAt} + interval '5 milliseconds'` : 'NULL';
    const cause = uuidOf('hc');
    await this.withoutSecondaryIndexes('outbox', count, (from, size) =>
      this.admin.query(
        `INSERT INTO "${this.prefix}outbox" (message_id, message_type, destination, payload,
           headers, origin_endpoint, causation_id, correlation_id, created_at, dispatched_at)
         SELECT ${uuidOf('hm')}, 'bench.Followup', 'sink',
           '{"n":' || n || ',"amountCents":' || (1000 + n % 5000) || '}',
           '{"correlationId":"' || ${cause} || '","causationId":"' || ${cause} ||
             '","originEndpoint":"work","sentAt":"${BULK_SENT_AT}"}',
           'work', ${cause}, ${cause}, ${createdAt}, ${dispatchedAt}
         FROM (SELECT n, ${idHash('m', age)} AS hm, ${idHash('c', age)} AS hc
               FROM generate_series($2::int, $3::int - 1) AS n) AS hashed`,
        [options.salt, from, from + size],
      ),
    );
  }

  async inbox(count: number, salt: string): Promise<void> {
    await this.withoutSecondaryIndexes('inbox', count, (from, size) =>
      this.admin.query(
        `INSERT INTO "${this.prefix}inbox" (endpoint, message_id, message_type, processed_at)
         SELECT 'work', ${uuidOf('h')}, 'bench.Work',
           clock_timestamp() - interval '2 hours' + n * interval '1 microsecond'
         FROM (SELECT n, ${idHash('i', '2 hours')} AS h
               FROM generate_series($2::int, $3::int - 1) AS n) AS hashed`,
        [salt, from, from + size],
      ),
    );
  }

  /** Drops the table's indexes and unique constraints (not its primary key), then rebuilds them. */
  private async withoutSecondaryIndexes(
    table: 'outbox' | 'inbox',
    count: number,
    insert: (from: number, size: number) => Promise<unknown>,
  ): Promise<void> {
    const name = `"${this.prefix}${table}"`;
    const { indexes, uniques } = secondaryIndexes(this.prefix, table);
    for (const index of indexes) await this.admin.query(`DROP INDEX "${index.name}"`);
    for (const unique of uniques)
      await this.admin.query(`ALTER TABLE ${name} DROP CONSTRAINT "${unique.name}"`);
    try {
      await inChunks(count, insert);
    } finally {
      for (const unique of uniques)
        await this.admin.query(`ALTER TABLE ${name} ADD ${unique.definition}`);
      for (const index of indexes) await this.admin.query(index.definition);
    }
  }
}

interface IndexDefinition {
  name: string;
  definition: string;
}

/** The indexes and unique constraints of a messaging table, as the library's DDL declares them. */
function secondaryIndexes(
  prefix: string,
  table: 'outbox' | 'inbox',
): { indexes: IndexDefinition[]; uniques: IndexDefinition[] } {
  const ddl = createMessagingTablesSql(prefix, 'postgres');
  const indexes = ddl
    .map((sql) => sql.match(/^CREATE INDEX IF NOT EXISTS "(\w+)" ON "(\w+)"/))
    .filter((match): match is RegExpMatchArray => match?.[2] === `${prefix}${table}`)
    .map((match) => ({ name: match[1], definition: match.input ?? '' }));
  const create = ddl.find((sql) =>
    sql.startsWith(`CREATE TABLE IF NOT EXISTS "${prefix}${table}"`),
  );
  const uniques = [...(create ?? '').matchAll(/(CONSTRAINT "(\w+)" UNIQUE \([^)]*\))/g)].map(
    (match) => ({ name: match[2], definition: match[1] }),
  );
  return { indexes, uniques };
}

/**
 * 32 hex digits for the n-th id of a load: a millisecond timestamp from `age` ago (ten ids per ms)
 * followed by MD5 digits, ordered like the library's ids; with `--random-ids` an MD5 (random order).
 */
function idHash(tag: string, age: string): string {
  const random = `md5('${tag}' || $1 || n)`;
  if (randomIds()) return random;
  const ms = `floor(extract(epoch from clock_timestamp() - interval '${age}') * 1000)::bigint + n / 10`;
  return `lpad(to_hex(${ms}), 12, '0') || substr(${random}, 13)`;
}

/** A UUID-shaped string from a column holding 32 hex digits. */
function uuidOf(hash: string): string {
  return `concat_ws('-', substr(${hash}, 1, 8), substr(${hash}, 9, 4), substr(${hash}, 13, 4),
    substr(${hash}, 17, 4), substr(${hash}, 21, 12))`;
}
