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
