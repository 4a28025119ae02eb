import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConcurrentTransactionsError } from '../../lib';
import { DataSource } from 'typeorm';
import {
  G11_SINK,
  G11Callers,
  G11Order,
  G11Orders,
  G11TransactionalWriter,
  PlannedFailure,
  type OpenedBy,
  type WriteVia,
} from '../fixtures/g11-any-transaction.fixtures';
import { QueueInspector, outboxRows } from '../support/inspect';
import { closeAndCleanUp } from '../support/scenarios';
import { CONNECTION_ID, ident, sql } from '../support/sql';
import { transactionalClsModule } from '../support/transactional-cls';
import { startEndpoint, uniquePrefix } from '../support/test-endpoint';

/**
 * G11: the guarantees hold whoever opened the transaction. An @Outbox() method joins a transaction
 * the application opened (nestjs-cls @Transactional(), dataSource.transaction(),
 * manager.transaction(), a query runner); a transaction opened inside a unit of work, and every
 * repository or manager the application injects, write in the unit. Each case runs once committing
 * and once failing after the writes: then no order and no message may remain, and none may be sent.
 */
describe('G11 any transaction: @Outbox() and the application transactions', () => {
  const prefix = uniquePrefix('g11');
  let app: INestApplication;
  let queues: QueueInspector;

  beforeAll(async () => {
    app = await startEndpoint({
      endpoint: 'g11-web',
      prefix,
      entities: [G11Order],
      imports: [TypeOrmModule.forFeature([G11Order]), transactionalClsModule()],
      providers: [G11Orders, G11TransactionalWriter, G11Callers],
    });
    queues = new QueueInspector(prefix);
  });

  afterAll(() => closeAndCleanUp(prefix, [queues], [app]));

  const ordersWithId = async (id: string): Promise<number> => {
    const rows: { n: string }[] = await app
      .get(DataSource)
      .query(sql(`SELECT COUNT(*) AS n FROM ${ident(`${prefix}g11_order`)} WHERE id = ?`), [id]);
    return Number(rows[0].n);
  };
  const sent = async (orderId: string) =>
    (await queues.jobsWhere(G11_SINK, (payload) => payload.orderId === orderId)).length;
  const recorded = async (orderId: string) =>
    (await outboxRows(app, prefix)).filter(
      (row) =>
        row.message_type === 'g11.OrderPlaced' && JSON.parse(row.payload).orderId === orderId,
    ).length;

  /** The state and the message are there exactly once, or neither is: nothing was sent then. */
  async function expectAllOrNothing(orderIds: string[], committed: boolean): Promise<void> {
    const expected = committed ? 1 : 0;
    for (const id of orderIds) {
      expect({ id, orders: await ordersWithId(id) }).toEqual({ id, orders: expected });
      expect({ id, recorded: await recorded(id), sent: await sent(id) }).toEqual({
        id,
        recorded: expected,
        sent: expected,
      });
    }
  }

  const writes: WriteVia[] = [
    'unit-manager',
    'inject-repository',
    'data-source-repository',
    'data-source-manager',
    'inject-entity-manager',
    'data-source-transaction',
    'manager-transaction',
    'transactional-method',
    'query-runner',
  ];

  describe.each(writes)('an @Outbox() method writing through %s', (via) => {
    it('commits the write and the message together', async () => {
      const orderId = randomUUID();
      await app.get(G11Orders).place(orderId, via);
      await expectAllOrNothing([orderId], true);
    });

    it('rolls back both when it throws after the write: no order, no message', async () => {
      const orderId = randomUUID();
      await expect(app.get(G11Orders).place(orderId, via, true)).rejects.toThrow(PlannedFailure);
      await expectAllOrNothing([orderId], false);
    });
  });

  const openers: OpenedBy[] = [
    'transactional',
    'data-source-transaction',
    'manager-transaction',
    'query-runner',
    'outbox',
  ];

  describe.each(openers)('an @Outbox() method called in a transaction opened by %s', (openedBy) => {
    it("joins it: sees the caller's uncommitted write, and commits with it", async () => {
      const orderId = randomUUID();
      const visible = await app.get(G11Callers).callOutbox(openedBy, orderId, false);
      expect(visible).toBe(1);
      await expectAllOrNothing([orderId, `${orderId}-caller`], true);
    });

    it("vanishes with the caller's rollback: no order of either, no message", async () => {
      const orderId = randomUUID();
      await expect(app.get(G11Callers).callOutbox(openedBy, orderId, true)).rejects.toThrow(
        PlannedFailure,
      );
      await expectAllOrNothing([orderId, `${orderId}-caller`], false);
    });
  });

  it('MessagePublisher in a dataSource.transaction() writes the outbox in it and sends after COMMIT', async () => {
    const committed = randomUUID();
    await app.get(G11Callers).publishInTransaction(committed, false);
    await expectAllOrNothing([committed], true);
    const rolledBack = randomUUID();
    await expect(app.get(G11Callers).publishInTransaction(rolledBack, true)).rejects.toThrow(
      PlannedFailure,
    );
    await expectAllOrNothing([rolledBack], false);
  });

  it('two application transactions started side by side stay apart', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const dataSource = app.get(DataSource);
    const connectionIds = await Promise.all(
      [a, b].map((id) =>
        dataSource.transaction(async (manager) => {
          await manager.insert(G11Order, { id, via: 'side-by-side' });
          const [row] = await manager.query(`SELECT ${CONNECTION_ID} AS id`);
          return Number(row.id);
        }),
      ),
    );
    expect(connectionIds[0]).not.toBe(connectionIds[1]);
    expect([await ordersWithId(a), await ordersWithId(b)]).toEqual([1, 1]);
  });

  it.each([false, true])(
    'refuses two transactions opened side by side in an application transaction (swallowed: %s)',
    async (swallow) => {
      const [outer, a, b] = [randomUUID(), randomUUID(), randomUUID()];
      const dataSource = app.get(DataSource);
      const nested = (id: string) =>
        dataSource.transaction(async (manager) => {
          await manager.insert(G11Order, { id, via: 'nested' });
          await new Promise((resolve) => setTimeout(resolve, 50));
        });
      const outerTransaction = dataSource.transaction(async (manager) => {
        await manager.insert(G11Order, { id: outer, via: 'outer' });
        const both = Promise.all([nested(a), nested(b)]);
        await (swallow ? both.catch(() => undefined) : both);
      });
      await expect(outerTransaction).rejects.toThrow(ConcurrentTransactionsError);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await Promise.all([outer, a, b].map(ordersWithId))).toEqual([0, 0, 0]);
    },
  );

  it('two query runners whose transactions start side by side, without connect(), stay apart', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const dataSource = app.get(DataSource);
    const inOwnTransaction = async (id: string) => {
      const queryRunner = dataSource.createQueryRunner();
      await queryRunner.startTransaction();
      try {
        await dataSource.getRepository(G11Order).insert({ id, via: 'side-by-side' });
        const [row] = await dataSource.query(`SELECT ${CONNECTION_ID} AS id`);
        await queryRunner.commitTransaction();
        return Number(row.id);
      } finally {
        await queryRunner.release();
      }
    };
    const connectionIds = await Promise.all([a, b].map(inOwnTransaction));
    expect(connectionIds[0]).not.toBe(connectionIds[1]);
    expect([await ordersWithId(a), await ordersWithId(b)]).toEqual([1, 1]);
  });
});
