import { Logger, type INestApplication } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import {
  ConsistentMessagingModule,
  InvalidAdminOptionsError,
  type MessagingAdminOptions,
  OutboxSweeper,
} from '../../lib';
import { ProducerConnection } from '../../lib/transport/producer-connection';
import { ADMIN_TOKEN, AdminProbe, BearerTokenGuard, PingSender } from '../fixtures/admin.fixtures';
import { startAdminEndpoint } from '../support/admin-endpoint';
import { redis } from '../support/services';
import { NOW, ago, ident, sql } from '../support/sql';
import { cleanUp, uniquePrefix, waitFor } from '../support/test-endpoint';

const prefix = uniquePrefix('admin');

/** Every field the tests read from the admin's JSON answers (each answer has some of them). */
interface ApiBody {
  message: string;
  messages: {
    messageId: string;
    type: string;
    depth: number;
    causedBy: string | null;
    caused: string[];
    handledBy: string[];
  }[];
  items: { id: number; messageId: string; jobId: string }[];
  next: number | null;
  records: number;
  pending: number;
  lagMs: number;
  total: number;
  code: string;
  preview: string;
}

describe('admin controller', () => {
  let app: INestApplication;
  let base: string;

  const call = async (method: string, path: string, body?: unknown, token = ADMIN_TOKEN) => {
    const response = await fetch(`${base}/ops/messaging/${path}`, {
      method,
      headers: {
        'x-messaging-admin': '1',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      // HTML or empty
    }
    return { status: response.status, json: json as ApiBody, text, headers: response.headers };
  };

  const insertPending = async (destination: string, minutesAgo: number): Promise<string> => {
    const messageId = randomUUID();
    await app.get(DataSource).query(
      sql(`INSERT INTO ${ident(`${prefix}outbox`)} (message_id, message_type, destination, payload,
         headers, origin_endpoint, causation_id, correlation_id, created_at)
       VALUES (?, 'admin.Manual', ?, '{"n":1}', ?, 'admin', NULL, ?, ${ago('?', 'MINUTE')})`),
      [
        messageId,
        destination,
        JSON.stringify({ correlationId: messageId, originEndpoint: 'admin' }),
        messageId,
        minutesAgo,
      ],
    );
    return messageId;
  };

  beforeAll(async () => {
    app = await startAdminEndpoint(prefix);
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await cleanUp(prefix);
  });

  it('refuses requests without the bearer token', async () => {
    expect((await call('GET', 'outbox/stats', undefined, '')).status).toBe(401);
    expect((await call('GET', 'outbox/stats', undefined, 'wrong')).status).toBe(401);
    expect((await call('GET', 'dead-letters', undefined, '')).status).toBe(401);
    expect((await call('POST', 'dead-letters/retry-all', undefined, '')).status).toBe(401);
  });

  it('shows a conversation in causal order, the outbox row and the inbox record', async () => {
    const pingId = await app.get(PingSender).ping('hello');
    let messages: ApiBody['messages'] = [];
    await waitFor('the pong', async () => {
      const { status, json } = await call('GET', `conversations/${pingId}`);
      messages = status === 200 ? json.messages : [];
      return messages.length === 2;
    });
    expect(messages.map((m) => [m.type, m.depth, m.causedBy])).toEqual([
      ['admin.Ping', 0, null],
      ['admin.Pong', 1, pingId],
    ]);
    expect(messages[0].caused).toEqual([messages[1].messageId]);
    expect(messages[0].handledBy).toEqual(['admin']);

    const detail = await call('GET', `outbox/${pingId}`);
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({
      messageId: pingId,
      type: 'admin.Ping',
      payload: { text: 'hello' },
      headers: { correlationId: pingId, originEndpoint: 'admin' },
    });
    const inbox = await call('GET', `inbox/${pingId}`);
    expect(inbox.status).toBe(200);
    expect(inbox.json).toMatchObject({ endpoint: 'admin', messageId: pingId, type: 'admin.Ping' });
    expect((await call('GET', 'inbox/stats')).json.records).toBeGreaterThanOrEqual(1);
  });

  it("shows a keyed message as handled where its key's position recorded it, having no inbox record", async () => {
    const probe = app.get(AdminProbe);
    const failures = probe.failures;
    probe.failures = 0;
    try {
      // No reply: only the key's position tells that it was handled.
      const messageId = await app.get(PingSender).flaky('keyed', `order-${randomUUID()}`);
      await waitFor('it to be handled', () => probe.handledFlaky.includes(messageId));
      const { json } = await call('GET', `conversations/${messageId}`);
      expect(json.messages.map((message) => message.handledBy)).toEqual([['admin']]);
      expect((await call('GET', `inbox/${messageId}`)).status).toBe(404);
    } finally {
      probe.failures = failures;
    }
  });

  it('lists no blocked ordering keys, and answers 404 to a skip of a key nothing waits on', async () => {
    expect(await call('GET', 'ordering/blocked')).toMatchObject({
      status: 200,
      json: { items: [] },
    });
    const skip = await call('POST', 'ordering/blocked/skip', {
      originEndpoint: 'orders',
      orderingKey: 'k',
    });
    expect(skip.status).toBe(404);
  });

  it('answers 404 for unknown ids', async () => {
    for (const path of [
      'outbox/nope',
      'inbox/nope',
      'inbox/nope?endpoint=other',
      'dead-letters/nope',
      'conversations/nope',
    ]) {
      const { status, json } = await call('GET', path);
      expect([path, status]).toEqual([path, 404]);
      expect(json).toMatchObject({
        code: 'MESSAGING_ADMIN_NOT_FOUND',
        message: expect.stringMatching(/nope/),
      });
    }
    // An id from outside is quoted up to 120 characters, never copied whole.
    const long = await call('GET', `dead-letters/${'x'.repeat(5000)}`);
    expect(long.status).toBe(404);
    expect(long.json.message).toMatch(/x{120}… \(5000 characters\)$/);
    expect(long.json.message.length).toBeLessThan(200);
    expect((await call('POST', 'dead-letters/nope/retry')).status).toBe(404);
    expect((await call('DELETE', 'dead-letters/nope')).status).toBe(404);
    expect((await call('POST', 'outbox/redispatch', { messageIds: ['nope'] })).status).toBe(404);
  });

  it('refuses state-changing requests a cross-site page could make (forms, no-cors fetches, other origins), before the guard', async () => {
    const post = (headers: Record<string, string>, body?: string | Blob) =>
      fetch(`${base}/ops/messaging/dead-letters/retry-all`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
        body,
      });
    const refused: [string, Record<string, string>, string | Blob | undefined, RegExp][] = [
      [
        'a form post',
        { 'content-type': 'application/x-www-form-urlencoded' },
        'a=1',
        /needs the header x-messaging-admin/,
      ],
      ['a no-cors fetch without a body', {}, undefined, /needs the header x-messaging-admin/],
      [
        'the header with another value',
        { 'x-messaging-admin': '0' },
        undefined,
        /needs the header x-messaging-admin: 1/,
      ],
      [
        'a body without a Content-Type',
        { 'x-messaging-admin': '1' },
        new Blob(['{}']),
        /must be application\/json \(got no Content-Type\)/,
      ],
      [
        'a text/plain body',
        { 'x-messaging-admin': '1', 'content-type': 'text/plain' },
        '{}',
        /must be application\/json/,
      ],
      [
        'another origin',
        { 'x-messaging-admin': '1', origin: 'http://evil.example' },
        undefined,
        /another origin \(evil\.example\)/,
      ],
      [
        'an opaque origin',
        { 'x-messaging-admin': '1', origin: 'null' },
        undefined,
        /opaque origin/,
      ],
      [
        'another referer',
        { 'x-messaging-admin': '1', referer: 'http://evil.example/x' },
        undefined,
        /another origin/,
      ],
    ];
    for (const [what, headers, body, reason] of refused) {
      const response = await post(headers, body);
      const json = (await response.json()) as { message: string; code: string };
      expect([what, response.status]).toEqual([what, 403]);
      expect(json).toMatchObject({ code: 'MESSAGING_ADMIN_CROSS_SITE' });
      expect(json.message).toMatch(reason);
    }
    // Refused before the guard: without a token too, 403 not 401.
    const anonymous = await fetch(`${base}/ops/messaging/dead-letters/retry-all`, {
      method: 'POST',
    });
    expect(anonymous.status).toBe(403);
    const sameOrigin = await post({ 'x-messaging-admin': '1', origin: base });
    expect(sameOrigin.status).toBe(200);
    // Behind a proxy that rewrites Host, the host the browser asked for is X-Forwarded-Host.
    const proxied = await post({
      'x-messaging-admin': '1',
      origin: 'https://orders.example',
      'x-forwarded-host': 'orders.example',
    });
    expect(proxied.status).toBe(200);
    // Reads need nothing more than the guard.
    const read = await fetch(`${base}/ops/messaging/outbox/stats`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(read.status).toBe(200);
  });

  it('answers 400 with a clear message for bad input', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['GET', 'outbox?limit=201', undefined, /limit: an integer from 1 to 200/],
      ['GET', 'outbox?limit=abc', undefined, /limit/],
      ['GET', 'outbox?after=-1', undefined, /after/],
      [
        'GET',
        'outbox?status=stuck',
        undefined,
        /status: one of pending, dispatched, undeliverable, all/,
      ],
      ['GET', 'outbox?createdFrom=yesterday', undefined, /createdFrom: an ISO 8601 date/],
      ['GET', 'outbox?createdFrom=%2B010000-01-01T00:00:00Z', undefined, /from 1970 to 9999/],
      ['GET', 'dead-letters?limit=1000', undefined, /limit/],
      ['GET', 'dead-letters?before=x', undefined, /before/],
      ['GET', `outbox?after=${'9'.repeat(3000)}`, undefined, /9{120}… \(3000 characters\)/],
      ['POST', 'outbox/redispatch', {}, /messageIds: a JSON array/],
      ['POST', 'outbox/redispatch', { messageIds: [1] }, /messageIds/],
      ['POST', 'outbox/redispatch', { messageIds: [] }, /messageIds/],
      ['POST', 'outbox/redispatch-since', {}, /since: an ISO 8601 date in the past/],
      ['POST', 'outbox/redispatch-since', { since: 'yesterday' }, /since/],
      ['POST', 'outbox/redispatch-since', { since: '2999-01-01T00:00:00Z' }, /since/],
      ['GET', 'ordering/blocked?limit=0', undefined, /limit/],
      ['POST', 'ordering/blocked/skip', {}, /originEndpoint and orderingKey/],
      [
        'POST',
        'ordering/blocked/skip',
        { originEndpoint: 'a', orderingKey: 'k'.repeat(192) },
        /orderingKey/,
      ],
    ];
    for (const [method, path, body, message] of cases) {
      const { status, json } = await call(method, path, body);
      expect([path, status]).toEqual([path, 400]);
      expect(json.code).toBe('MESSAGING_ADMIN_BAD_REQUEST');
      expect(json.message).toMatch(message);
    }
  });

  it('treats SQL, forged cursors and path tricks in its input as plain values', async () => {
    const before = (await call('GET', 'outbox/stats')).json;
    for (const injected of ["' OR '1'='1", "x' UNION SELECT 1 -- ", '1; DROP TABLE x']) {
      const value = encodeURIComponent(injected);
      for (const filter of ['type', 'correlationId']) {
        const { status, json } = await call('GET', `outbox?${filter}=${value}`);
        expect([filter, injected, status, json.items]).toEqual([filter, injected, 200, []]);
      }
      for (const path of ['outbox', 'dead-letters', 'conversations', 'inbox'])
        expect((await call('GET', `${path}/${value}`)).status).toBe(404);
    }
    expect((await call('GET', 'outbox/stats')).json).toMatchObject({
      pending: before.pending,
    });
    // Cursors past the end, or not integers.
    expect((await call('GET', `outbox?after=${Number.MAX_SAFE_INTEGER}`)).json).toMatchObject({
      items: [],
      next: null,
    });
    expect((await call('GET', 'dead-letters?before=1')).json).toMatchObject({
      items: [],
      next: null,
    });
    for (const cursor of ['1e3', '0x10', '1.5', '-1', `${Number.MAX_SAFE_INTEGER}0`])
      expect((await call('GET', `outbox?after=${cursor}`)).status).toBe(400);
    // Encoded dot segments don't climb out of the unguarded dashboard routes to guarded data.
    for (const path of [
      'ui/%2e%2e/outbox/stats',
      'ui/..%2foutbox%2fstats',
      'ui%2f..%2foutbox/stats',
      'dashboard.js/%2e%2e/outbox/stats',
    ]) {
      const { status, text } = await call('GET', path, undefined, '');
      expect({ path, refused: [401, 404].includes(status), data: /pending/.test(text) }).toEqual({
        path,
        refused: true,
        data: false,
      });
    }
  });

  it('lists with filters and keyset pagination, counts, lag and re-dispatch', async () => {
    const older = await insertPending('elsewhere', 20);
    const old = await insertPending('elsewhere', 10);
    const stats = await call('GET', 'outbox/stats');
    expect(stats.json.pending).toBe(2);
    expect(stats.json.lagMs).toBeGreaterThanOrEqual(20 * 60 * 1000 - 1000);

    const pending = await call('GET', 'outbox?status=pending&type=admin.Manual');
    expect(pending.json.items.map((item: { messageId: string }) => item.messageId)).toEqual([
      older,
      old,
    ]);
    const first = await call('GET', 'outbox?limit=1&type=admin.Manual');
    expect(first.json.items[0].messageId).toBe(older);
    const second = await call('GET', `outbox?limit=1&type=admin.Manual&after=${first.json.next}`);
    expect(second.json.items[0].messageId).toBe(old);
    expect(second.json.next).toBe(second.json.items[0].id);
    const third = await call('GET', `outbox?limit=1&type=admin.Manual&after=${second.json.next}`);
    expect(third.json).toEqual({ items: [], next: null });
    const from = new Date(Date.now() - 15 * 60 * 1000).toISOString();
    const recent = await call('GET', `outbox?status=pending&createdFrom=${from}`);
    expect(recent.json.items.map((item: { messageId: string }) => item.messageId)).toEqual([old]);
    const byCorrelation = await call('GET', `outbox?correlationId=${older}`);
    expect(byCorrelation.json.items).toHaveLength(1);

    const beforeRedispatch = new Date().toISOString();
    const redispatched = await call('POST', 'outbox/redispatch', { messageIds: [old, older] });
    expect(redispatched).toMatchObject({ status: 200, json: { dispatched: [old, older] } });
    await waitFor('marks', async () => (await call('GET', 'outbox/stats')).json.pending === 0);
    const { Queue } = await import('bullmq');
    const queue = new Queue('elsewhere', { connection: redis, prefix: prefix.replace(/_+$/, '') });
    try {
      expect(await queue.getJob(old)).toBeDefined();
      // Disaster recovery: Redis lost the job; both rows are dispatched again from the outbox.
      await queue.obliterate({ force: true });
      const again = await call('POST', 'outbox/redispatch-since', { since: beforeRedispatch });
      expect(again).toMatchObject({ status: 200, json: { pending: 2 } });
      expect((await call('GET', 'outbox/stats')).json.pending).toBe(2);
      // This endpoint's sweeper waits an hour between sweeps: one sweep by hand.
      expect(await app.get(OutboxSweeper).sweepOnce()).toMatchObject({ dispatched: 2 });
      expect(await queue.getJob(old)).toBeDefined();
    } finally {
      await queue.close();
    }
  });

  it('lists, inspects, retries and deletes dead letters', async () => {
    const probe = app.get(AdminProbe);
    probe.failures = 2;
    const first = await app.get(PingSender).flaky('one');
    const second = await app.get(PingSender).flaky('two');
    await waitFor(
      'two dead letters',
      async () => (await call('GET', 'dead-letters')).json.total === 2,
    );
    const listed = await call('GET', 'dead-letters?limit=10');
    expect(listed.json.items.map((d: { jobId: string }) => d.jobId).sort()).toEqual(
      [first, second].sort(),
    );
    const letter = await call('GET', `dead-letters/${first}`);
    expect(letter.json).toMatchObject({
      jobId: first,
      error: 'flaky handler failed on purpose',
      attemptsMade: 1,
      envelope: { type: 'admin.Flaky' },
    });

    expect(await call('POST', `dead-letters/${first}/retry`)).toMatchObject({
      status: 200,
      json: { retried: first },
    });
    await waitFor('the retried message', () => probe.handledFlaky.includes(first));
    expect(await call('DELETE', `dead-letters/${second}`)).toMatchObject({
      status: 200,
      json: { removed: second },
    });
    expect((await call('GET', 'dead-letters')).json.total).toBe(0);

    probe.failures = 1;
    const third = await app.get(PingSender).flaky('three');
    await waitFor(
      'a dead letter',
      async () => (await call('GET', 'dead-letters')).json.total === 1,
    );
    expect((await call('POST', 'dead-letters/retry-all')).json).toEqual({
      retried: 1,
      notRetriable: 0,
    });
    await waitFor('the retried message', () => probe.handledFlaky.includes(third));
  });

  it('lists large messages as summaries and cuts their details to maxPayloadBytes', async () => {
    const blob = 'y'.repeat(3 * 1024 * 1024);
    const payload = JSON.stringify({ blob });
    const envelope = JSON.stringify({ id: 'dl-large', type: 'admin.Flaky', payload, headers: {} });
    const db = app.get(DataSource);
    await db.query(
      sql(`INSERT INTO ${ident(`${prefix}dead_letters`)} (endpoint, message_id, message_type, envelope,
         envelope_bytes, headers, error, attempts)
       VALUES ('admin', 'dl-large', 'admin.Flaky', ?, ?, '{}', ?, 1)`),
      [envelope, Buffer.byteLength(envelope), `first line\n${'z'.repeat(3000)}`],
    );
    const messageId = randomUUID();
    await db.query(
      sql(`INSERT INTO ${ident(`${prefix}outbox`)} (message_id, message_type, destination, payload,
         headers, origin_endpoint, correlation_id, dispatched_at)
       VALUES (?, 'admin.Large', 'elsewhere', ?, '{}', 'admin', ?, ${NOW})`),
      [messageId, payload, messageId],
    );
    try {
      const list = await call('GET', 'dead-letters?limit=200');
      expect(list.text.length).toBeLessThan(64 * 1024);
      expect(list.json.items).toContainEqual(
        expect.objectContaining({
          jobId: 'dl-large',
          error: 'first line',
          size: Buffer.byteLength(envelope),
        }),
      );
      const letter = await call('GET', 'dead-letters/dl-large');
      expect(letter.json).toMatchObject({
        envelope: null,
        truncated: true,
        error: expect.stringMatching(/^first line/),
      });
      expect(Buffer.byteLength(letter.json.preview)).toBeLessThanOrEqual(65536);
      expect(letter.text.length).toBeLessThan(80 * 1024);
      const row = await call('GET', `outbox/${messageId}`);
      expect(row.json).toMatchObject({
        payload: null,
        truncated: true,
        size: Buffer.byteLength(payload),
      });
      expect(Buffer.byteLength(row.json.preview)).toBeLessThanOrEqual(65536);
      expect(row.text.length).toBeLessThan(80 * 1024);
    } finally {
      await db.query(`DELETE FROM ${ident(`${prefix}dead_letters`)} WHERE message_id = 'dl-large'`);
    }
  });

  it('answers 503 with a stable code and no internal text while Redis is unreachable', async () => {
    await app.get(DataSource).query(
      `INSERT INTO ${ident(`${prefix}dead_letters`)} (endpoint, message_id, message_type, envelope,
         envelope_bytes, error, attempts) VALUES ('admin', 'dl-redis-down', 'admin.Flaky', '{}', 2, 'x', 1)`,
    );
    const connection = app.get(ProducerConnection);
    connection.client.disconnect();
    try {
      const pending = await app.get(PingSender).ping('redis down');
      const redispatch = await call('POST', 'outbox/redispatch', { messageIds: [pending] });
      expect(redispatch).toMatchObject({
        status: 503,
        json: { code: 'MESSAGING_ADMIN_NOT_DISPATCHED', message: expect.stringContaining(pending) },
      });
      const retry = await call('POST', 'dead-letters/dl-redis-down/retry');
      expect(retry).toMatchObject({
        status: 503,
        json: {
          code: 'MESSAGING_ADMIN_UNAVAILABLE',
          message: 'Messaging admin: the database or Redis did not answer; the cause is in the log',
        },
      });
      // Nothing of the cause (host, port, driver text) reaches the client.
      for (const { json } of [redispatch, retry])
        expect(JSON.stringify(json)).not.toMatch(
          /127\.0\.0\.1|6379|Connection|ECONNREFUSED|ready/i,
        );
      // Dead letters are read from the database: listed while Redis is down.
      expect((await call('GET', 'dead-letters')).json.items).toEqual([
        expect.objectContaining({ jobId: 'dl-redis-down' }),
      ]);
    } finally {
      await connection.client.connect().catch(() => undefined);
      await waitFor('Redis back', () => connection.client.status === 'ready');
    }
    expect((await call('DELETE', 'dead-letters/dl-redis-down')).status).toBe(200);
  });

  it('serves the dashboard page', async () => {
    const { status, text } = await call('GET', 'ui', undefined, '');
    expect(status).toBe(200);
    expect(text).toMatch(/^<!doctype html>/i);
    for (const id of ['stats', 'pending', 'dead-letters', 'conversation-form', 'conversation']) {
      expect(text).toContain(`id="${id}"`);
    }
    // No inline script or style, and nothing from elsewhere: only the two files served beside it.
    expect(text).not.toMatch(/<script>|<style|\son[a-z]+=/i);
    expect(text.match(/(?:src|href)="[^"]*"/g)).toEqual([
      'href="dashboard.css"',
      'src="dashboard.js"',
    ]);
  });

  it('serves the dashboard with a CSP without inline code, and nosniff on every admin response', async () => {
    const page = await call('GET', 'ui', undefined, '');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline/);
    for (const file of ['dashboard.js', 'ui/dashboard.js', 'dashboard.css', 'ui/dashboard.css']) {
      const served = await call('GET', file, undefined, '');
      expect([file, served.status]).toEqual([file, 200]);
      expect(served.headers.get('content-type')).toMatch(
        file.endsWith('.js') ? /^text\/javascript/ : /^text\/css/,
      );
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect((await call('GET', 'dashboard.js', undefined, '')).text).toMatch(/sessionStorage/);
    for (const [method, path, token] of [
      ['GET', 'outbox/stats', ADMIN_TOKEN],
      ['GET', 'outbox?limit=abc', ADMIN_TOKEN],
      ['GET', 'outbox/nope', ADMIN_TOKEN],
      ['GET', 'ui', ''],
    ]) {
      const response = await call(method, path, undefined, token);
      expect([path, response.headers.get('x-content-type-options')]).toEqual([path, 'nosniff']);
    }
    // Refusals too: the cross-site check's 403 and the application guard's 401.
    const refusals = [
      await fetch(`${base}/ops/messaging/dead-letters/retry-all`, { method: 'POST' }),
      await fetch(`${base}/ops/messaging/outbox/stats`),
    ];
    expect(refusals.map((response) => response.status)).toEqual([403, 401]);
    for (const response of refusals)
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('admin options', () => {
  it('mounts without a guard when that is explicit, and warns', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const unguarded = await startAdminEndpoint(prefix, { enabled: true, allowUnguarded: true });
    try {
      const url = await unguarded.getUrl();
      expect((await fetch(`${url}/messaging/outbox/stats`)).status).toBe(200);
      expect(warn.mock.calls.map((call) => String(call[0]))).toContainEqual(
        expect.stringMatching(/mounted at \/messaging WITHOUT a guard/),
      );
    } finally {
      warn.mockRestore();
      await unguarded.close();
    }
  });

  it('refuses to mount the admin without a guard unless that is explicit', () => {
    const base = { endpoint: 'x', redis };
    expect(() => ConsistentMessagingModule.forRoot({ ...base, admin: { enabled: true } })).toThrow(
      InvalidAdminOptionsError,
    );
    expect(() => ConsistentMessagingModule.forRoot({ ...base, admin: { enabled: true } })).toThrow(
      /without a guard: pass admin.guard[\s\S]*allowUnguarded: true/,
    );
    expect(() =>
      ConsistentMessagingModule.forRoot({
        ...base,
        admin: { enabled: true, allowUnguarded: true },
      }),
    ).not.toThrow();
    expect(() =>
      ConsistentMessagingModule.forRoot({
        ...base,
        admin: { enabled: true, guard: BearerTokenGuard, path: '/bad/' },
      }),
    ).toThrow(/path:/);
    for (const path of ['../x', 'ops/./messaging', 'ops/..'])
      expect(() =>
        ConsistentMessagingModule.forRoot({
          ...base,
          admin: { enabled: true, guard: BearerTokenGuard, path },
        }),
      ).toThrow(/path: .*none of them only dots/);
    // A misspelled guard would leave the admin unguarded: refused, even while it is off.
    expect(() =>
      ConsistentMessagingModule.forRoot({
        ...base,
        admin: { enabled: true, gaurd: BearerTokenGuard } as MessagingAdminOptions,
      }),
    ).toThrow(/"gaurd": not an option of admin; its options are enabled, path, guard/);
    expect(ConsistentMessagingModule.forRoot(base).controllers).toEqual([]);
    expect(
      ConsistentMessagingModule.forRootAsync({
        useFactory: () => base,
        admin: { enabled: true, guard: BearerTokenGuard },
      }).controllers,
    ).toHaveLength(2);
  });
});
