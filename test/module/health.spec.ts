import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { MessagingHealthIndicator } from '../../lib';
import { CONSISTENT_MESSAGING_OPTIONS } from '../../lib/consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../../lib/interfaces/consistent-messaging-options.interface';
import { InFlightMessages } from '../../lib/metrics/in-flight-messages';
import { OutboxStore } from '../../lib/outbox/outbox.store';
import { ProducerConnection } from '../../lib/transport/producer-connection';
import { ago, ident, sql } from '../support/sql';
import { cleanUp, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

/** A health route as the README shows it. */
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly messaging: MessagingHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.messaging.isHealthy('messaging', { maxLagMs: 30000 })]);
  }
}

describe('messaging health indicator', () => {
  const prefix = uniquePrefix('health');
  let app: INestApplication;

  beforeAll(async () => {
    app = await startEndpoint({
      endpoint: 'health',
      prefix,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      messaging: { consume: false, relay: { sweepIntervalMs: 3_600_000 } },
    });
    await app.listen(0, '127.0.0.1');
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

  it('is up when the database and Redis answer and nothing is late, and Terminus says so', async () => {
    const up = await fetch(`${await app.getUrl()}/health`);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ status: 'ok', info: { messaging: { status: 'up' } } });
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
        (await indicator().isHealthy('messaging', { maxInFlightMs: 60000 })).messaging.status,
      ).toBe('up');
      const stuck = await indicator().isHealthy('messaging', { maxInFlightMs: 100 });
      expect(stuck.messaging).toMatchObject({ status: 'down', maxInFlightMs: 100 });
      expect(stuck.messaging.oldestInFlightMs).toBeGreaterThan(200);
      expect(stuck.messaging.problems).toEqual([
        expect.stringMatching(/in progress \d+ ms > 100 ms/),
      ]);
    } finally {
      end();
    }
    expect(
      (await indicator().isHealthy('messaging', { maxInFlightMs: 100 })).messaging.status,
    ).toBe('up');
  });

  it('is down, with the lag, when the oldest pending message is older than the threshold', async () => {
    const messageId = randomUUID();
    await app.get(DataSource).query(
      sql(`INSERT INTO ${ident(`${prefix}outbox`)} (message_id, message_type, destination, payload,
         headers, origin_endpoint, correlation_id, created_at)
       VALUES (?, 'Late', 'elsewhere', '{}', '{}', 'health', ?, ${ago(2, 'MINUTE')})`),
      [messageId, messageId],
    );
    try {
      const result = await indicator().isHealthy('outbox');
      expect(result.outbox.status).toBe('down');
      expect(result.outbox.lagMs).toBeGreaterThanOrEqual(119000);
      expect((await indicator().isHealthy('outbox', { maxLagMs: 300000 })).outbox.status).toBe(
        'up',
      );
      expect(result.outbox.problems).toEqual([expect.stringMatching(/lag \d+ ms > 60000 ms/)]);
    } finally {
      await app
        .get(DataSource)
        .query(sql(`DELETE FROM ${ident(`${prefix}outbox`)} WHERE message_id = ?`), [messageId]);
    }
  });

  it('is down when the database fails or does not answer in time', async () => {
    const failing = await withDataSource(() =>
      Promise.reject(new Error('connect ECONNREFUSED')),
    ).isHealthy();
    expect(failing.messaging).toMatchObject({
      status: 'down',
      database: { status: 'down', error: 'connect ECONNREFUSED' },
      redis: { status: 'up' },
      lagMs: null,
    });
    const hanging = await withDataSource(() => new Promise(() => undefined)).isHealthy(
      'messaging',
      {
        timeoutMs: 100,
      },
    );
    expect(hanging.messaging.database).toEqual({
      status: 'down',
      error: 'no answer within 100 ms',
    });
  });

  it('is down when Redis is unreachable', async () => {
    const connection = app.get(ProducerConnection);
    connection.client.disconnect();
    try {
      const result = await indicator().isHealthy();
      expect(result.messaging.status).toBe('down');
      expect(result.messaging.redis.status).toBe('down');
      expect(result.messaging.database.status).toBe('up');
      expect(result.messaging.problems).toEqual([expect.stringMatching(/^redis: /)]);
      // Through Terminus: the check answers 503 with the details.
      const down = await fetch(`${await app.getUrl()}/health`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({
        status: 'error',
        error: { messaging: { status: 'down', redis: { status: 'down' } } },
      });
    } finally {
      await connection.client.connect().catch(() => undefined);
      await waitFor('Redis back', () => connection.client.status === 'ready');
    }
  });
});
