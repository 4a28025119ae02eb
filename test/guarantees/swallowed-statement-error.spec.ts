import { Injectable } from '@nestjs/common';
import { Entity, PrimaryColumn } from 'typeorm';
import { ConsistentHandler, Message, MessageContext } from '../../lib';
import { deliver, envelopeOf, inboxCount, outboxRowsCausedBy } from '../support/jobs';
import {
  closeAndCleanUp,
  startEndpointWithSink,
  type EndpointWithSink,
} from '../support/scenarios';
import { testDatabase } from '../support/services';
import { uniquePrefix, waitFor } from '../support/test-endpoint';

const SINK = 'swallow-sink';

@Message('swallow.Register')
class Register {
  constructor(
    readonly name: string,
    readonly guarded: boolean,
  ) {}
}

@Message('swallow.Registered')
class Registered {
  constructor(readonly name: string) {}
}

@Entity('swallow_member')
class Member {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  name!: string;
}

@Entity('swallow_note')
class Note {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  messageId!: string;
}

/**
 * Inserts a member who may exist already, catches the duplicate-key error and goes on: either
 * inside a nested transaction, a savepoint whose rollback undoes only that insert, and then sends
 * a message; or bare (`guarded` false), sending nothing, so that no outbox insert of the library's
 * fails on an aborted transaction in its place.
 */
@Injectable()
class RegisterHandler {
  @ConsistentHandler(Register)
  async onRegister(register: Register, context: MessageContext): Promise<void> {
    await context.manager.insert(Note, { messageId: context.messageId });
    const member = { name: register.name };
    if (!register.guarded)
      return void (await context.manager.insert(Member, member).catch(() => 0));
    await context.manager
      .transaction((manager) => manager.insert(Member, member))
      .catch(() => undefined);
    context.send(SINK, new Registered(register.name));
  }
}

/**
 * A statement fails in a handler and the handler catches the error. On MySQL only that statement
 * failed, and the rest commits. On PostgreSQL the failure aborted the transaction, and its COMMIT
 * would roll back without an error: the unit must not be taken as committed (the message would
 * count as handled with none of its changes kept). A savepoint around the statement is the way to
 * go on there, on both databases.
 */
describe('a handler that catches a failed statement', () => {
  const prefix = uniquePrefix('swallow');
  const endpoint = 'swallow-members';
  let members: EndpointWithSink;

  beforeAll(async () => {
    members = await startEndpointWithSink(
      { endpoint, prefix, providers: [RegisterHandler], entities: [Member, Note] },
      SINK,
    );
    await members.dataSource.getRepository(Member).insert([{ name: 'ada' }, { name: 'bob' }]);
  });

  afterAll(() => closeAndCleanUp(prefix, [members?.queue, members?.sink], [members?.app]));

  async function settled(id: string): Promise<string | undefined> {
    let state: string | undefined;
    await waitFor(
      'the job to complete or fail',
      async () => ['completed', 'failed'].includes((state = await members.queue.getJobState(id))),
      20000,
    );
    return state;
  }

  it('inside a nested transaction: the unit commits once, on every database', async () => {
    const message = envelopeOf(new Register('ada', true));
    await deliver(members.queue, message);

    expect(await settled(message.id)).toBe('completed');
    const { dataSource } = members;
    expect(await dataSource.getRepository(Note).countBy({ messageId: message.id })).toBe(1);
    expect(await inboxCount(dataSource, prefix, endpoint, message.id)).toBe(1);
    expect(await outboxRowsCausedBy(dataSource, prefix, message.id)).toHaveLength(1);
  });

  it('bare: commits on MySQL, is refused and retried on PostgreSQL, never counted as handled', async () => {
    const message = envelopeOf(new Register('bob', false));
    await deliver(members.queue, message);

    const state = await settled(message.id);
    const { dataSource } = members;
    const notes = await dataSource.getRepository(Note).countBy({ messageId: message.id });
    const inbox = await inboxCount(dataSource, prefix, endpoint, message.id);
    const outbox = await outboxRowsCausedBy(dataSource, prefix, message.id);
    if (testDatabase === 'postgres') {
      expect(state).toBe('failed');
      const job = await members.queue.getJob(message.id);
      expect(job?.failedReason).toMatch(/rolled back this unit of work's transaction \(23505/);
      expect([notes, inbox, outbox.length]).toEqual([0, 0, 0]);
    } else {
      expect(state).toBe('completed');
      expect([notes, inbox, outbox.length]).toEqual([1, 1, 0]);
    }
  });
});
