import { Injectable, type INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn, type DataSource } from 'typeorm';
import { ConsistentHandler, Message, MessageContext, type MessageEnvelope } from '../../lib';
import { deferred, deliver, envelopeOf, inboxCount, outboxRowsCausedBy } from '../support/jobs';
import { closeAndCleanUp, startEndpointWithSink } from '../support/scenarios';
import { uniquePrefix, waitFor } from '../support/test-endpoint';

const SINK = 'deadlock-sink';

@Message('deadlock.Transfer')
class Transfer {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {}
}

@Message('deadlock.Transferred')
class Transferred {
  constructor(readonly from: string) {}
}

@Entity('deadlock_account')
class Account {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  name!: string;

  @Column({ type: 'int' })
  balance!: number;
}

@Entity('deadlock_entry')
class Entry {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 64 })
  messageId!: string;
}

/** Both first attempts take their first lock, then wait for each other: a deadlock, surely. */
const bothLocked = { arrived: 0, gate: deferred() };

/**
 * Books an entry, locks `from` then `to`, and sends Transferred. It catches the database's error
 * on the second lock and goes on, as careless code does.
 */
@Injectable()
class CarelessTransferHandler {
  @ConsistentHandler(Transfer)
  async onTransfer(transfer: Transfer, context: MessageContext): Promise<void> {
    const accounts = context.manager.getRepository(Account);
    await context.manager.insert(Entry, { messageId: context.messageId });
    await accounts.decrement({ name: transfer.from }, 'balance', 1);
    if (bothLocked.arrived < 2 && ++bothLocked.arrived === 2) bothLocked.gate.resolve();
    await Promise.race([bothLocked.gate.promise, new Promise((r) => setTimeout(r, 3000))]);
    await accounts.increment({ name: transfer.to }, 'balance', 1).catch(() => undefined);
    context.send(SINK, new Transferred(transfer.from));
  }
}

/**
 * InnoDB answers a deadlock by rolling back the whole transaction; the statements after it run
 * outside any transaction. A handler that swallows the error must not get its unit committed: that
 * would dispatch messages for changes that were undone, and lose the inbox record.
 */
describe('a handler that swallows a deadlock', () => {
  const prefix = uniquePrefix('dl');
  let app: INestApplication;
  let dataSource: DataSource;
  let queue: Queue<MessageEnvelope>;
  let sink: Queue<MessageEnvelope>;

  beforeAll(async () => {
    ({ app, dataSource, queue, sink } = await startEndpointWithSink(
      {
        endpoint: 'deadlock-bank',
        prefix,
        entities: [Account, Entry],
        providers: [CarelessTransferHandler],
        messaging: { concurrency: 2 },
      },
      SINK,
    ));
    await dataSource.getRepository(Account).insert([
      { name: 'alice', balance: 10 },
      { name: 'bob', balance: 10 },
    ]);
  });

  afterAll(() => closeAndCleanUp(prefix, [queue, sink], [app]));

  it('gets no commit: the message is retried and then takes effect once, with its inbox record', async () => {
    const transfers = [
      envelopeOf(new Transfer('alice', 'bob')),
      envelopeOf(new Transfer('bob', 'alice')),
    ];
    await queue.pause();
    for (const envelope of transfers) await deliver(queue, envelope);
    await queue.resume();
    await waitFor(
      'both transfers to complete',
      async () =>
        (await Promise.all(transfers.map((one) => queue.getJobState(one.id)))).every(
          (state) => state === 'completed',
        ),
      20000,
    );

    const attempts = await Promise.all(
      transfers.map(async (one) => (await queue.getJob(one.id))?.attemptsMade ?? 0),
    );
    expect(Math.max(...attempts)).toBeGreaterThan(1);
    for (const envelope of transfers) {
      expect(await inboxCount(dataSource, prefix, 'deadlock-bank', envelope.id)).toBe(1);
      expect(await dataSource.getRepository(Entry).countBy({ messageId: envelope.id })).toBe(1);
      expect(await outboxRowsCausedBy(dataSource, prefix, envelope.id)).toHaveLength(1);
    }
  });
});

@Message('deadlock.Move')
class Move {
  constructor(readonly kind: 'blocker' | 'careless' | 'mate') {}
}

/** Holds the lane until the test lets go, so that the messages after it form one batch. */
const blocker = { started: deferred(), gate: deferred() };

/** Books an entry; the careless one then locks alice and bob, and swallows what that raises. */
@Injectable()
class MoveHandler {
  @ConsistentHandler(Move)
  async onMove(move: Move, context: MessageContext): Promise<void> {
    const accounts = context.manager.getRepository(Account);
    await context.manager.insert(Entry, { messageId: context.messageId });
    if (move.kind === 'blocker') {
      blocker.started.resolve();
      await blocker.gate.promise;
    }
    if (move.kind === 'careless') {
      await accounts.decrement({ name: 'alice' }, 'balance', 1);
      await accounts.decrement({ name: 'bob' }, 'balance', 1).catch(() => undefined);
    }
    context.send(SINK, new Transferred(move.kind));
  }
}

describe('a handler that swallows a deadlock, in a batch', () => {
  const prefix = uniquePrefix('dlb');
  let app: INestApplication;
  let dataSource: DataSource;
  let queue: Queue<MessageEnvelope>;
  let sink: Queue<MessageEnvelope>;

  beforeAll(async () => {
    ({ app, dataSource, queue, sink } = await startEndpointWithSink(
      {
        endpoint: 'deadlock-batch',
        prefix,
        entities: [Account, Entry],
        providers: [MoveHandler],
        // One lane: while the blocker holds it, the others gather into one batch.
        messaging: { concurrency: 4, batchSize: 4 },
      },
      SINK,
    ));
    await dataSource.getRepository(Account).insert([
      { name: 'alice', balance: 10 },
      { name: 'bob', balance: 10 },
    ]);
  });

  afterAll(() => closeAndCleanUp(prefix, [queue, sink], [app]));

  it("stops the batch: its mates don't run outside the transaction and take effect once", async () => {
    // Another client holds bob, with enough changes that InnoDB picks the batch as the victim.
    const other = dataSource.createQueryRunner();
    await other.startTransaction();
    for (let i = 0; i < 50; i++) await other.manager.insert(Entry, { messageId: `other-${i}` });
    await other.manager.decrement(Account, { name: 'bob' }, 'balance', 1);

    const envelopes = [
      envelopeOf(new Move('blocker')),
      envelopeOf(new Move('careless')),
      envelopeOf(new Move('mate')),
      envelopeOf(new Move('mate')),
    ];
    await queue.pause();
    for (const envelope of envelopes) await deliver(queue, envelope);
    await queue.resume();
    await blocker.started.promise;
    blocker.gate.resolve();
    // The careless message now holds alice and waits for bob: asking for alice closes the cycle.
    await waitFor('the batch to wait for bob', async () => {
      const waiting: unknown[] = await dataSource.query(
        `SELECT id FROM information_schema.PROCESSLIST
         WHERE info LIKE 'UPDATE %deadlock_account%' AND info LIKE '%bob%'`,
      );
      return waiting.length > 0;
    });
    await other.manager.decrement(Account, { name: 'alice' }, 'balance', 1);
    await other.rollbackTransaction();
    await other.release();

    await waitFor(
      'every move to complete',
      async () =>
        (await Promise.all(envelopes.map((one) => queue.getJobState(one.id)))).every(
          (state) => state === 'completed',
        ),
      20000,
    );
    for (const envelope of envelopes) {
      expect(await dataSource.getRepository(Entry).countBy({ messageId: envelope.id })).toBe(1);
      expect(await inboxCount(dataSource, prefix, 'deadlock-batch', envelope.id)).toBe(1);
      expect(await outboxRowsCausedBy(dataSource, prefix, envelope.id)).toHaveLength(1);
    }
  });
});
