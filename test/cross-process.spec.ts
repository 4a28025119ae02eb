import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { HandledMessageEntity } from './fixtures/process/handled-message.entity';
import { OrderDesk } from './fixtures/process/order-desk.service';
import { endpointProcessScript, spawnTsNode, type NodeProcess } from './support/child-process';
import { redis } from './support/services';
import { ident, list, sql } from './support/sql';
import { cleanUp, startEndpoint, uniquePrefix, waitFor } from './support/test-endpoint';

const PLACED = 'test.OrderPlaced';
const REFUND = 'test.RefundOrder';
/** Commands sent under each ordering key in the keyed test. */
const KEYED_STEPS = 25;

/**
 * Routing across processes (DESIGN.md, "How a message flows", 3 Route). Subscriptions are per
 * endpoint, kept in Redis; each endpoint has one queue that all its processes consume:
 * - competing consumers: the two `billing` processes share billing's queue, each message goes to one;
 * - publish/subscribe: an event reaches every endpoint that handles its type (billing and audit);
 * - send: a command reaches only the endpoint it is sent to (billing), even if others are running.
 * `orders` runs in this process; billing (x2) and audit are child processes of
 * test/fixtures/process/endpoint-process.ts, recording each handled message with their pid in the database.
 */
describe('endpoints in separate processes', () => {
  const prefix = uniquePrefix('xproc');
  const queuePrefix = prefix.replace(/_+$/, '');
  const children: NodeProcess[] = [];
  const queues: Queue[] = [];
  let orders: INestApplication;
  let dataSource: DataSource;
  let billing: NodeProcess[];
  let audit: NodeProcess;
  /** Ids of what the first test published and sent. */
  let eventIds: string[] = [];
  let commandIds: string[] = [];

  beforeAll(async () => {
    // `orders` first: its synchronize creates every table before the children start, so they do not
    // race each other creating them. Its relay reads subscribers with no cache (subscriptionCacheMs 0).
    orders = await startEndpoint({
      endpoint: 'orders',
      prefix,
      entities: [HandledMessageEntity],
      providers: [OrderDesk],
    });
    dataSource = orders.get(DataSource);
    const start = (role: string, label: string) =>
      spawnTsNode(endpointProcessScript, {
        label,
        args: [role],
        env: { CM_PREFIX: prefix, CM_CONCURRENCY: '2', CM_HANDLER_DELAY_MS: '5' },
      }).then((child) => {
        children.push(child);
        return child;
      });
    // Each is ready once it has announced its subscriptions and consumes its queue.
    const started = await Promise.allSettled([
      start('billing', 'billing#1'),
      start('billing', 'billing#2'),
      start('audit', 'audit'),
    ]);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const [billing1, billing2, auditProcess] = started.map(
      (result) => (result as PromiseFulfilledResult<NodeProcess>).value,
    );
    billing = [billing1, billing2];
    audit = auditProcess;
    for (const endpoint of ['billing', 'audit'])
      queues.push(new Queue(endpoint, { connection: redis, prefix: queuePrefix }));
  }, 30000);

  afterAll(async () => {
    await Promise.all(children.map((child) => child.kill()));
    await Promise.all(queues.map((queue) => queue.close()));
    await orders?.close();
    await cleanUp(prefix);
  });

  it('shares an endpoint queue between its processes, fans events out to endpoints and sends commands to one', async () => {
    const desk = orders.get(OrderDesk);
    const orderIds = Array.from({ length: 200 }, (_, index) => `o-${index}`);
    // 200 events in 10 transactions and 20 commands in 4, all at once.
    [eventIds, commandIds] = await Promise.all([
      Promise.all(chunks(orderIds, 20).map((ids) => desk.placeOrders(ids))),
      Promise.all(chunks(orderIds.slice(0, 20), 5).map((ids) => desk.refundOrders(ids))),
    ]).then(([events, commands]) => [events.flat(), commands.flat()]);

    await waitUntilSettled({
      'billing/OrderPlaced': 200,
      'billing/RefundOrder': 20,
      'audit/OrderPlaced': 200,
    });
    const rows = await handledRows();
    const billingPids = billing.map((child) => child.pid);

    // Competing consumers: billing handled each event exactly once in all, in both processes.
    const billingPlaced = rows.filter(
      (row) => row.endpoint === 'billing' && row.messageType === PLACED,
    );
    expect(tally(billingPlaced, eventIds)).toEqual(exactlyOnce);
    const billingSplit = countBy(billingPlaced, (row) => String(row.pid));
    expect(Object.keys(billingSplit).sort()).toEqual(billingPids.map(String).sort());

    // Publish/subscribe: audit got every event too, exactly once.
    const auditPlaced = rows.filter(
      (row) => row.endpoint === 'audit' && row.messageType === PLACED,
    );
    expect(tally(auditPlaced, eventIds)).toEqual(exactlyOnce);
    expect(new Set(auditPlaced.map((row) => row.pid))).toEqual(new Set([audit.pid]));

    // Send: each command handled once, by billing only; audit never saw one.
    const refunds = rows.filter((row) => row.messageType === REFUND);
    expect(tally(refunds, commandIds)).toEqual(exactlyOnce);
    expect(new Set(refunds.map((row) => row.endpoint))).toEqual(new Set(['billing']));
    expect(refunds.every((row) => billingPids.includes(row.pid))).toBe(true);
    expect(rows.length).toBe(420);
    // The inboxes agree: audit never even received a command (it would have dead-lettered it).
    expect(await inboxCounts()).toEqual({
      'audit/OrderPlaced': 200,
      'billing/OrderPlaced': 200,
      'billing/RefundOrder': 20,
    });
    expect(await Promise.all(queues.map((queue) => queue.getFailedCount()))).toEqual([0, 0]);
  });

  it("drops redelivered copies through the endpoint's inbox, whichever process gets them", async () => {
    // As after a relay crash between adding the jobs and marking the rows dispatched, once BullMQ has
    // trimmed the completed jobs: the sweeper (of any instance) dispatches the rows again.
    const copied: { message_id: string; message_type: string }[] = await dataSource.query(
      sql(`SELECT message_id, message_type FROM ${ident(`${prefix}outbox`)}
       WHERE message_type = ? ORDER BY id LIMIT 50`),
      [PLACED],
    );
    copied.push(
      ...(await dataSource.query(
        sql(`SELECT message_id, message_type FROM ${ident(`${prefix}outbox`)}
         WHERE message_type = ? ORDER BY id LIMIT 10`),
        [REFUND],
      )),
    );
    for (const queue of queues) await queue.clean(0, 10000, 'completed');
    const copiedIds = copied.map((row) => row.message_id);
    await dataSource.query(
      sql(`UPDATE ${ident(`${prefix}outbox`)} SET dispatched_at = NULL
           WHERE message_id IN (${list(copiedIds)})`),
      copiedIds,
    );

    // No new effect: the counts stay where they were.
    await waitUntilSettled({
      'billing/OrderPlaced': 200,
      'billing/RefundOrder': 20,
      'audit/OrderPlaced': 200,
    });
    const rows = await handledRows();
    const of = (endpoint: string, type: string) =>
      rows.filter((row) => row.endpoint === endpoint && row.messageType === type);
    expect(tally(of('billing', PLACED), eventIds)).toEqual(exactlyOnce);
    expect(tally(of('billing', REFUND), commandIds)).toEqual(exactlyOnce);
    expect(tally(of('audit', PLACED), eventIds)).toEqual(exactlyOnce);
    // The copies did arrive, and each receiving process found it in the endpoint's inbox.
    const [billingQueue, auditQueue] = queues;
    const outcomes = await Promise.all([
      ...copied.map(({ message_id }) => billingQueue.getJob(message_id)),
      ...copied
        .filter((row) => row.message_type === PLACED)
        .map(({ message_id }) => auditQueue.getJob(message_id)),
    ]);
    expect(countBy(outcomes, (job) => String(job?.returnvalue))).toEqual({ duplicate: 110 });
  });

  it("hands one key's messages to both processes and has them handled in commit order, each once", async () => {
    const desk = orders.get(OrderDesk);
    const keys = ['k-1', 'k-2', 'k-3', 'k-4'];
    // Each key's commands one transaction after the other; the keys at once.
    const sent = await Promise.all(
      keys.map(async (key) => {
        const ids: string[] = [];
        for (let step = 1; step <= KEYED_STEPS; step++)
          ids.push(await desk.refundInOrder(key, `${key}:${step}`));
        return ids;
      }),
    );
    await waitUntilSettled({
      'billing/OrderPlaced': 200,
      'billing/RefundOrder': 20 + keys.length * KEYED_STEPS,
      'audit/OrderPlaced': 200,
    });
    // A key's next message waits for the one before to commit, so rows of a key are in id order.
    const rows = (await handledRows())
      .filter((row) => row.orderId.startsWith('k-'))
      .sort((a, b) => a.id - b.id);
    expect(tally(rows, sent.flat())).toEqual(exactlyOnce);
    for (const key of keys)
      expect(
        rows
          .filter((row) => row.orderId.startsWith(`${key}:`))
          .map((row) => Number(row.orderId.slice(key.length + 1))),
      ).toEqual(Array.from({ length: KEYED_STEPS }, (_, step) => step + 1));
    expect(new Set(rows.map((row) => row.pid))).toEqual(new Set(billing.map((child) => child.pid)));
  });

  it('lets the other process of an endpoint carry on when one stops on SIGTERM mid-stream', async () => {
    const desk = orders.get(OrderDesk);
    const before = Array.from({ length: 60 }, (_, index) => `p-${index}`);
    const after = Array.from({ length: 40 }, (_, index) => `q-${index}`);
    const publishing = Promise.all(chunks(before, 10).map((ids) => desk.placeOrders(ids)));
    // Stop billing#1 once it has some of these events: it finishes what it holds, then exits.
    await waitFor('billing#1 to handle some of the new events', async () => {
      const [{ n }]: { n: string }[] = await dataSource.query(
        sql(`SELECT COUNT(*) AS n FROM ${ident(`${prefix}handled_message`)}
             WHERE ${ident('orderId')} LIKE 'p-%' AND pid = ?`),
        [billing[0].pid],
      );
      return Number(n) > 0;
    });
    expect(await billing[0].stop()).toEqual({ code: 0, signal: null });
    const streamIds = (await publishing).flat();
    // Published once billing#1 is gone: only billing#2 is left to take them.
    const laterIds = await desk.placeOrders(after);

    await waitUntilSettled({
      'billing/OrderPlaced': 300,
      'billing/RefundOrder': 20 + 4 * KEYED_STEPS,
      'audit/OrderPlaced': 300,
    });
    const rows = (await handledRows()).filter((row) => /^[pq]-/.test(row.orderId));
    const billingPlaced = rows.filter((row) => row.endpoint === 'billing');
    expect(tally(billingPlaced, [...streamIds, ...laterIds])).toEqual(exactlyOnce);
    const laterPids = billingPlaced
      .filter((row) => row.orderId.startsWith('q-'))
      .map((row) => row.pid);
    expect(new Set(laterPids)).toEqual(new Set([billing[1].pid]));
    const auditPlaced = rows.filter((row) => row.endpoint === 'audit');
    expect(tally(auditPlaced, [...streamIds, ...laterIds])).toEqual(exactlyOnce);
  });

  it('stops every process gracefully on SIGTERM (exit code 0)', async () => {
    const running = children.filter((child) => child !== billing[0]);
    const exits = await Promise.all(
      running.map(async (child) => ({ label: child.label, ...(await child.stop()) })),
    );
    expect(exits).toEqual(running.map(({ label }) => ({ label, code: 0, signal: null })));
  });

  async function handledRows(): Promise<HandledMessageEntity[]> {
    return dataSource.getRepository(HandledMessageEntity).find();
  }

  async function handledCounts(): Promise<Record<string, number>> {
    const rows: { endpoint: string; type: string; n: string }[] = await dataSource.query(
      `SELECT endpoint, ${ident('messageType')} AS type, COUNT(*) AS n
       FROM ${ident(`${prefix}handled_message`)} GROUP BY endpoint, ${ident('messageType')}`,
    );
    return Object.fromEntries(
      rows.map((row) => [`${row.endpoint}/${short(row.type)}`, Number(row.n)]),
    );
  }

  async function inboxCounts(): Promise<Record<string, number>> {
    const rows: { endpoint: string; type: string; n: string }[] = await dataSource.query(
      `SELECT endpoint, message_type AS type, COUNT(*) AS n FROM ${ident(`${prefix}inbox`)}
       GROUP BY endpoint, message_type ORDER BY endpoint, message_type`,
    );
    return Object.fromEntries(
      rows.map((row) => [`${row.endpoint}/${short(row.type)}`, Number(row.n)]),
    );
  }

  /**
   * Waits until the handled counts reach `expected` and nothing is left in the outbox or the queues
   * (so no late copy can still arrive), then checks the counts did not overshoot. On timeout, fails
   * with what it was still waiting for.
   */
  async function waitUntilSettled(expected: Record<string, number>): Promise<void> {
    let counts: Record<string, number> = {};
    let waitingFor = '';
    const settled = async (): Promise<boolean> => {
      counts = await handledCounts();
      if (Object.entries(expected).some(([key, n]) => (counts[key] ?? 0) < n)) {
        waitingFor = `handled counts ${JSON.stringify(expected)}, got ${JSON.stringify(counts)}`;
        return false;
      }
      const [{ pending }]: { pending: string }[] = await dataSource.query(
        `SELECT COUNT(*) AS pending FROM ${ident(`${prefix}outbox`)} WHERE dispatched_at IS NULL`,
      );
      if (Number(pending) > 0) {
        waitingFor = `${pending} undispatched outbox row(s)`;
        return false;
      }
      for (const queue of queues) {
        const jobs = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        if (Object.values(jobs).some((n) => n > 0)) {
          waitingFor = `queue ${queue.name} to drain: ${JSON.stringify(jobs)}`;
          return false;
        }
      }
      return true;
    };
    await waitFor('the messages to settle', settled, 15000).catch(() => {
      throw new Error(`Timed out waiting for ${waitingFor}`);
    });
    expect(counts).toEqual(expected);
  }
});

const exactlyOnce = { missing: [], duplicated: [], unexpected: [] };

/** Which expected message ids were handled never, more than once, and which were not expected. */
function tally(rows: { messageId: string }[], expectedIds: string[]) {
  const seen = countBy(rows, (row) => row.messageId);
  return {
    missing: expectedIds.filter((id) => !seen[id]),
    duplicated: Object.keys(seen).filter((id) => seen[id] > 1),
    unexpected: Object.keys(seen).filter((id) => !expectedIds.includes(id)),
  };
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size)
    result.push(items.slice(index, index + size));
  return result;
}

/** `test.OrderPlaced` -> `OrderPlaced` */
function short(type: string): string {
  return type.replace(/^test\./, '');
}
