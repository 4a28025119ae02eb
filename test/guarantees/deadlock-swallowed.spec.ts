import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { ConsistentHandler, Message, MessageContext, type MessageEnvelope } from '../../lib';
import { deferred, deliver, envelopeOf, inboxCount, outboxRowsCausedBy } from '../support/jobs';
import {
  closeAndCleanUp,
  startEndpointWithSink,
  type EndpointWithSink,
} from '../support/scenarios';
import { onPostgres } from '../support/services';
import { freshActivity, ident } from '../support/sql';
import { uniquePrefix, waitFor, type TestEndpointOptions } from '../support/test-endpoint';

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

/** An endpoint with accounts alice and bob, and the queues to feed and read it. */
async function startBank(
  options: Pick<TestEndpointOptions, 'endpoint' | 'prefix' | 'providers' | 'messaging'>,
): Promise<EndpointWithSink> {
  const bank = await startEndpointWithSink({ ...options, entities: [Account, Entry] }, SINK);
  await bank.dataSource.getRepository(Account).insert([
    { name: 'alice', balance: 10 },
    { name: 'bob', balance: 10 },
  ]);
  return bank;
}

/** Delivers the messages together and waits until every job completed. */
async function deliverAndComplete(
  queue: Queue<MessageEnvelope>,
  envelopes: MessageEnvelope[],
  meanwhile: () => Promise<void> = async () => undefined,
): Promise<void> {
  await queue.pause();
  for (const envelope of envelopes) await deliver(queue, envelope);
  await queue.resume();
  await meanwhile();
  await waitFor(
    'every message to complete',
    async () =>
      (await Promise.all(envelopes.map((one) => queue.getJobState(one.id)))).every(
        (state) => state === 'completed',
      ),
    20000,
  );
}

/** Each message took effect once: one entry, one inbox record, one outgoing message. */
async function expectOnceEach(
  { dataSource }: EndpointWithSink,
  prefix: string,
  endpoint: string,
  envelopes: MessageEnvelope[],
): Promise<void> {
  for (const envelope of envelopes) {
    expect(await dataSource.getRepository(Entry).countBy({ messageId: envelope.id })).toBe(1);
    expect(await inboxCount(dataSource, prefix, endpoint, envelope.id)).toBe(1);
    expect(await outboxRowsCausedBy(dataSource, prefix, envelope.id)).toHaveLength(1);
  }
}

/**
 * InnoDB answers a deadlock by rolling back the whole transaction; the statements after it run
 * outside any transaction. A handler that swallows the error must not get its unit committed: that
 * would dispatch messages for changes that were undone, and lose the inbox record.
 */
describe('a handler that swallows a deadlock', () => {
  const prefix = uniquePrefix('dl');
  const endpoint = 'deadlock-bank';
  let bank: EndpointWithSink;

  beforeAll(async () => {
    bank = await startBank({
      endpoint,
      prefix,
      providers: [CarelessTransferHandler],
      messaging: { concurrency: 2 },
    });
  });

  afterAll(() => closeAndCleanUp(prefix, [bank?.queue, bank?.sink], [bank?.app]));

  it('gets no commit: the message is retried and then takes effect once, with its inbox record', async () => {
    const transfers = [
      envelopeOf(new Transfer('alice', 'bob')),
      envelopeOf(new Transfer('bob', 'alice')),
    ];
    await deliverAndComplete(bank.queue, transfers);

    const attempts = await Promise.all(
      transfers.map(async (one) => (await bank.queue.getJob(one.id))?.attemptsMade ?? 0),
    );
    expect(Math.max(...attempts)).toBeGreaterThan(1);
    await expectOnceEach(bank, prefix, endpoint, transfers);
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
  const endpoint = 'deadlock-batch';
  let bank: EndpointWithSink;

  beforeAll(async () => {
    bank = await startBank({
      endpoint,
      prefix,
      providers: [MoveHandler],
      // One lane: while the blocker holds it, the others gather into one batch.
      messaging: { concurrency: 4, batchSize: 4 },
    });
  });

  afterAll(() => closeAndCleanUp(prefix, [bank?.queue, bank?.sink], [bank?.app]));

  it("stops the batch: its mates don't run outside the transaction and take effect once", async () => {
    // Another client holds bob, with enough changes that InnoDB picks the batch as the victim
    // (PostgreSQL's victim is the first to wait, the batch too).
    const { dataSource } = bank;
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
    await deliverAndComplete(bank.queue, envelopes, async () => {
      await blocker.started.promise;
      blocker.gate.resolve();
      // The careless message now holds alice and waits for bob: asking for alice closes the cycle.
      await waitFor('the batch to wait for bob', async () => {
        // (PostgreSQL shows the statement with its placeholders: the one waiting on a lock is it.)
        const table = ident(`${prefix}deadlock_account`);
        await freshActivity(dataSource);
        const waiting: unknown[] = await dataSource.query(
          onPostgres
            ? `SELECT pid FROM pg_stat_activity
               WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE ${table}%'`
            : `SELECT id FROM information_schema.PROCESSLIST
               WHERE info LIKE 'UPDATE ${table}%' AND info LIKE '%bob%'`,
        );
        return waiting.length > 0;
      });
      await other.manager.decrement(Account, { name: 'alice' }, 'balance', 1);
      await other.rollbackTransaction();
      await other.release();
    });

    await expectOnceEach(bank, prefix, endpoint, envelopes);
  });
});
