import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, Entity, PrimaryGeneratedColumn, Column, type Repository } from 'typeorm';
import { ConsistentHandler, Message, MessageContext } from '../../lib';
import { deferred, deliver, envelopeOf, inboxCount } from '../support/jobs';
import {
  closeAndCleanUp,
  startEndpointWithSink,
  type EndpointWithSink,
} from '../support/scenarios';
import { CONNECTION_ID, killConnection } from '../support/sql';
import { uniquePrefix, waitFor } from '../support/test-endpoint';

@Message('lost.Audit')
class Audit {
  constructor(readonly what: string) {}
}

@Entity('lost_audit_row')
class AuditRow {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 64 })
  messageId!: string;
}

/** The first attempt's connection, once the handler holds it inside its transaction. */
const firstAttempt = { connectionId: deferred<number>(), killed: deferred() };

/**
 * Writes through what Nest injects (the DataSource and a repository), not the message context,
 * as most applications do. The first attempt waits, between its two statements, for its
 * connection to be killed.
 */
@Injectable()
class AuditHandler {
  private attempts = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(AuditRow) private readonly rows: Repository<AuditRow>,
  ) {}

  @ConsistentHandler(Audit)
  async onAudit(_audit: Audit, context: MessageContext): Promise<void> {
    if (++this.attempts === 1) {
      const [row] = await this.dataSource.query(`SELECT ${CONNECTION_ID} AS id`);
      firstAttempt.connectionId.resolve(Number(row.id));
      await firstAttempt.killed.promise;
    }
    await this.rows.insert({ messageId: context.messageId });
  }
}

/**
 * The connection of a handler's unit of work is killed while the handler runs (a failover, an
 * idle-in-transaction timeout, an operator). What the handler writes next must fail with the
 * unit, not run on a new connection and commit on its own: pg releases the query runner of a
 * terminated backend, and the unit must not look closed then. The retry then writes once.
 */
describe('a connection lost in the middle of a handler', () => {
  const prefix = uniquePrefix('lost');
  const endpoint = 'lost-audit';
  let audit: EndpointWithSink;

  beforeAll(async () => {
    audit = await startEndpointWithSink(
      {
        endpoint,
        prefix,
        providers: [AuditHandler],
        entities: [AuditRow],
        imports: [TypeOrmModule.forFeature([AuditRow])],
      },
      'lost-sink',
    );
  });

  afterAll(() => closeAndCleanUp(prefix, [audit?.queue, audit?.sink], [audit?.app]));

  it('fails the attempt: nothing of it commits outside the transaction, and the retry writes once', async () => {
    const message = envelopeOf(new Audit('login'));
    await deliver(audit.queue, message);
    const connectionId = await firstAttempt.connectionId.promise;
    await audit.dataSource.query(killConnection(connectionId));
    // Let the client see its connection go before the handler's next statement.
    await new Promise((resolve) => setTimeout(resolve, 300));
    firstAttempt.killed.resolve();

    await waitFor(
      'the message to be handled',
      async () => (await audit.queue.getJobState(message.id)) === 'completed',
      30000,
    );
    const { dataSource } = audit;
    expect(await dataSource.getRepository(AuditRow).countBy({ messageId: message.id })).toBe(1);
    expect(await inboxCount(dataSource, prefix, endpoint, message.id)).toBe(1);
    expect((await audit.queue.getJob(message.id))?.attemptsMade).toBeGreaterThan(1);
  });
});
