import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'crypto';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { RetentionCleaner } from '../../lib';
import { onPostgres, redis } from '../support/services';
import { ago, ident, sql } from '../support/sql';
import { cleanUp, startEndpoint, uniquePrefix } from '../support/test-endpoint';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('retention cleanup', () => {
  const prefix = uniquePrefix('retention');
  let app: INestApplication;
  let dataSource: DataSource;

  beforeAll(async () => {
    app = await startEndpoint({
      endpoint: 'retention',
      prefix,
      messaging: {
        consume: false,
        relay: { sweepIntervalMs: 3_600_000 },
        retention: { intervalMs: 3_600_000, batchSize: 2 },
      },
    });
    dataSource = app.get(DataSource);
  });

  afterAll(async () => {
    await app?.close();
    await cleanUp(prefix);
  });

  async function outboxRow(
    tag: string,
    createdHoursAgo: number,
    dispatchedHoursAgo: number | null,
  ) {
    await dataSource.query(
      sql(`INSERT INTO ${ident(`${prefix}outbox`)} (message_id, message_type, destination, payload,
         headers, origin_endpoint, causation_id, correlation_id, created_at, dispatched_at)
       VALUES (?, 'Tag', 'nowhere', '{}', '{}', 'retention', NULL, ?, ${ago(createdHoursAgo, 'HOUR')},
         ${dispatchedHoursAgo === null ? 'NULL' : ago(dispatchedHoursAgo, 'HOUR')})`),
      [randomUUID(), tag],
    );
  }

  async function inboxRow(tag: string, processedHoursAgo: number) {
    await dataSource.query(
      sql(`INSERT INTO ${ident(`${prefix}inbox`)} (endpoint, message_id, message_type, processed_at)
       VALUES ('retention', ?, ?, ${ago(processedHoursAgo, 'HOUR')})`),
      [randomUUID(), tag],
    );
  }

  async function deadLetterRow(tag: string, failedHoursAgo: number, endpoint = 'retention') {
    await dataSource.query(
      sql(`INSERT INTO ${ident(`${prefix}dead_letters`)} (endpoint, message_id, message_type, envelope,
         envelope_bytes, error, attempts, failed_at)
       VALUES (?, ?, ?, '{}', 2, 'failed', 1, ${ago(failedHoursAgo, 'HOUR')})`),
      [endpoint, randomUUID(), tag],
    );
  }

  async function sequenceRow(key: string, idleHours: number) {
    await dataSource.query(
      sql(`INSERT INTO ${ident(`${prefix}ordering_sequences`)}
         (origin_endpoint, destination, ordering_key, last_sequence, updated_at)
       VALUES ('retention', 'shipping', ?, 1, ${ago(idleHours, 'HOUR')})`),
      [key],
    );
  }

  async function positionRow(key: string, idleHours: number, parked: number) {
    await dataSource.query(
      sql(`INSERT INTO ${ident(`${prefix}ordering_positions`)}
         (endpoint, origin_endpoint, ordering_key, last_sequence, parked, updated_at)
       VALUES ('retention', 'orders', ?, 1, ?, ${ago(idleHours, 'HOUR')})`),
      [key, parked],
    );
  }

  const tagsOf = async (table: string, column: string) =>
    (
      (await dataSource.query(`SELECT ${column} AS tag FROM ${ident(`${prefix}${table}`)}`)) as {
        tag: string;
      }[]
    )
      .map((row) => row.tag)
      .sort();

  it('deletes old dispatched outbox rows, old inbox records and old dead letters in batches, keeps the rest', async () => {
    // defaults: dispatched outbox rows kept 1 day, inbox records 7 days, dead letters 14 days
    for (let i = 0; i < 5; i++) await outboxRow('old-dispatched', 72, 25);
    await outboxRow('recent-dispatched', 72, 23);
    await outboxRow('old-pending', 30 * 24, null);
    for (let i = 0; i < 3; i++) await inboxRow('old-processed', 7 * 24 + 1);
    await inboxRow('recent-processed', 7 * 24 - 1);
    for (let i = 0; i < 2; i++) await deadLetterRow('old-dead', 14 * 24 + 1);
    await deadLetterRow('recent-dead', 14 * 24 - 1);
    await deadLetterRow('old-dead-of-another-endpoint', 14 * 24 + 1, 'another');

    const run = await app.get(RetentionCleaner).runOnce();

    // batchSize 2: outbox 2 + 2 + 1 (3 statements), inbox 2 + 1 (2), dead letters 2 + 0 (2),
    // ordering sequences 0, positions 0 (1 each)
    expect(run).toEqual({
      skipped: false,
      outboxDeleted: 5,
      inboxDeleted: 3,
      deadLettersDeleted: 2,
      orderingKeysDeleted: 0,
      batches: 9,
    });
    expect(await tagsOf('outbox', 'correlation_id')).toEqual(['old-pending', 'recent-dispatched']);
    expect(await tagsOf('inbox', 'message_type')).toEqual(['recent-processed']);
    // Another endpoint's dead letters are its own retention's business.
    expect(await tagsOf('dead_letters', 'message_type')).toEqual([
      'old-dead-of-another-endpoint',
      'recent-dead',
    ]);
    expect(await app.get(RetentionCleaner).runOnce()).toEqual({
      skipped: false,
      outboxDeleted: 0,
      inboxDeleted: 0,
      deadLettersDeleted: 0,
      orderingKeysDeleted: 0,
      batches: 5,
    });
  });

  it('forgets ordering keys idle for retention.orderingKeysMs, a receiver only after twice that and with nothing parked', async () => {
    // default 30 days: senders' keys idle longer go, receivers' idle 60 days with nothing parked
    await sequenceRow('idle-31-days', 31 * 24);
    await sequenceRow('idle-29-days', 29 * 24);
    await positionRow('idle-61-days', 61 * 24, 0);
    await positionRow('idle-61-days-parked', 61 * 24, 1);
    await positionRow('idle-59-days', 59 * 24, 0);

    const run = await app.get(RetentionCleaner).runOnce();

    expect(run.orderingKeysDeleted).toBe(2);
    expect(await tagsOf('ordering_sequences', 'ordering_key')).toEqual(['idle-29-days']);
    expect(await tagsOf('ordering_positions', 'ordering_key')).toEqual([
      'idle-59-days',
      'idle-61-days-parked',
    ]);
  });

  it('skips while another instance holds the lock, and releases its own lock', async () => {
    await outboxRow('old-dispatched', 72, 25);
    const client = new Redis(redis);
    const key = `${prefix.replace(/_+$/, '')}:cm:retention-lock:${prefix}`;
    try {
      await client.set(key, 'another-instance', 'PX', 10000);
      expect((await app.get(RetentionCleaner).runOnce()).skipped).toBe(true);
      expect(await tagsOf('outbox', 'correlation_id')).toContain('old-dispatched');
      await client.del(key);
      expect((await app.get(RetentionCleaner).runOnce()).outboxDeleted).toBe(1);
      expect(await client.exists(key)).toBe(0);
    } finally {
      await client.quit();
    }
  });

  it('uses the indexes, never a full scan', async () => {
    if (onPostgres) {
      // The batch the DELETE takes (its ids by dispatched_at): with sequential scans priced out, a
      // plan still scanning the table would mean no index serves it.
      const queryRunner = dataSource.createQueryRunner();
      try {
        await queryRunner.query('SET enable_seqscan = off');
        const plan: { 'QUERY PLAN': unknown }[] = await queryRunner.query(
          sql(`EXPLAIN (FORMAT JSON) SELECT id FROM ${ident(`${prefix}outbox`)}
               WHERE dispatched_at IS NOT NULL AND dispatched_at < ${ago('?', 'MICROSECOND')}
               ORDER BY dispatched_at LIMIT 2`),
          [DAY_MS * 1000],
        );
        expect(JSON.stringify(plan[0]['QUERY PLAN'])).not.toContain('Seq Scan');
      } finally {
        await queryRunner.query('RESET enable_seqscan').catch(() => undefined);
        await queryRunner.release();
      }
      return;
    }
    const plans: { key: string | null; type: string }[] = await dataSource.query(
      `EXPLAIN DELETE FROM ${ident(`${prefix}outbox`)} WHERE dispatched_at IS NOT NULL
       AND dispatched_at < ${ago('?', 'MICROSECOND')} ORDER BY dispatched_at LIMIT 2`,
      [DAY_MS * 1000],
    );
    expect(plans[0].type).not.toBe('ALL');
  });
});
