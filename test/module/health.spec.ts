import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { MessagingHealthCheckError, MessagingHealthIndicator } from '../../lib';
import { CONSISTENT_MESSAGING_OPTIONS } from '../../lib/consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../../lib/interfaces/consistent-messaging-options.interface';
import { InFlightMessages } from '../../lib/metrics/in-flight-messages';
import { OutboxStore } from '../../lib/outbox/outbox.store';
import { ProducerConnection } from '../../lib/transport/producer-connection';
import { cleanUp, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

describe('messaging health indicator', () => {
  const prefix = uniquePrefix('health');
  let app: INestApplication;

  beforeAll(async () => {
    app = await startEndpoint({
      endpoint: 'health',
      prefix,
      messaging: { consume: false, relay: { sweepIntervalMs: 3_600_000 } },
    });
  });

  afterAll(async () => {
    await app?.close();
    await cleanUp(prefix);
  });

  const indicator = () => app.get(MessagingHealthIndicator);

  /** The same indicator over a database that fails or hangs. */
  const withDataSource = (query: () => Promise<unknown>) =>
    new MessagingHealthIndicator(
      app.get<ResolvedMessagingOptions>(CONSISTENT_MESSAGING_OPTIONS),
      app.get(ProducerConnection),
      { dispatchLagMs: query } as unknown as OutboxStore,
      app.get(InFlightMessages),
    );

  it('is up when the database and Redis answer and nothing is late', async () => {
    const result = await indicator().isHealthy('messaging');
    expect(result).toEqual({
      messaging: {
        status: 'up',
        endpoint: 'health',
        database: { status: 'up' },
        redis: { status: 'up' },
        lagMs: 0,
        maxLagMs: 60000,
        oldestInFlightMs: 0,
        maxInFlightMs: 60000,
      },
    });
  });

  it('is down when a message has been in progress longer than maxInFlightMs (stuck)', async () => {
    const end = app.get(InFlightMessages).begin();
    try {
      await waitFor('time to pass', () => app.get(InFlightMessages).oldestAgeMs() > 200);
      expect(
        (await indicator().check('messaging', { maxInFlightMs: 60000 })).messaging.status,
      ).toBe('up');
      const stuck = await indicator().check('messaging', { maxInFlightMs: 100 });
      expect(stuck.messaging).toMatchObject({ status: 'down', maxInFlightMs: 100 });
      expect(stuck.messaging.oldestInFlightMs).toBeGreaterThan(200);
      await expect(indicator().isHealthy('messaging', { maxInFlightMs: 100 })).rejects.toThrow(
        /in progress \d+ ms > 100 ms/,
      );
    } finally {
      end();
    }
    expect((await indicator().check('messaging', { maxInFlightMs: 100 })).messaging.status).toBe(
      'up',
    );
  });

  it('is down, with the lag, when the oldest pending message is older than the threshold', async () => {
    const messageId = randomUUID();
    await app.get(DataSource).query(
      `INSERT INTO \`${prefix}outbox\` (message_id, message_type, destination, payload, headers,
         origin_endpoint, correlation_id, created_at)
       VALUES (?, 'Late', 'elsewhere', '{}', '{}', 'health', ?, NOW(3) - INTERVAL 2 MINUTE)`,
      [messageId, messageId],
    );
    try {
      const result = await indicator().check('outbox');
      expect(result.outbox.status).toBe('down');
      expect(result.outbox.lagMs).toBeGreaterThanOrEqual(119000);
      expect((await indicator().check('outbox', { maxLagMs: 300000 })).outbox.status).toBe('up');
      const error = await indicator()
        .isHealthy('outbox')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MessagingHealthCheckError);
      expect((error as MessagingHealthCheckError).isHealthCheckError).toBe(true);
      expect((error as MessagingHealthCheckError).message).toMatch(/lag \d+ ms > 60000 ms/);
      expect((error as MessagingHealthCheckError).causes.outbox.status).toBe('down');
    } finally {
      await app
        .get(DataSource)
        .query(`DELETE FROM \`${prefix}outbox\` WHERE message_id = ?`, [messageId]);
    }
  });

  it('is down when the database fails or does not answer in time', async () => {
    const failing = await withDataSource(() =>
      Promise.reject(new Error('connect ECONNREFUSED')),
    ).check();
    expect(failing.messaging).toMatchObject({
      status: 'down',
      database: { status: 'down', error: 'connect ECONNREFUSED' },
      redis: { status: 'up' },
      lagMs: null,
    });
    const hanging = await withDataSource(() => new Promise(() => undefined)).check('messaging', {
      timeoutMs: 100,
    });
    expect(hanging.messaging.database).toEqual({
      status: 'down',
      error: 'no answer within 100 ms',
    });
  });

  it('is down when Redis is unreachable', async () => {
    const connection = app.get(ProducerConnection);
    connection.client.disconnect();
    try {
      const result = await indicator().check();
      expect(result.messaging.status).toBe('down');
      expect(result.messaging.redis.status).toBe('down');
      expect(result.messaging.database.status).toBe('up');
      await expect(indicator().isHealthy()).rejects.toThrow(/redis: /);
    } finally {
      await connection.client.connect().catch(() => undefined);
      await waitFor('Redis back', () => connection.client.status === 'ready');
    }
  });
});
