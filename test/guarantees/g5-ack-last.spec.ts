import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { FaultHooks, MessageEnvelope } from '../../lib';
import { EndpointWorker } from '../../lib/transport/endpoint.worker';
import {
  G5Shipment,
  G5ShipmentHandler,
  G5_SINK,
  g5Behaviour,
  g5Calls,
  Ship,
} from '../fixtures/g5-shipment';
import {
  type Deferred,
  deferred,
  deliver,
  envelopeOf,
  inboxCount,
  jobsIn,
  lockKeyOf,
  insertsWaitingOn,
  openQueue,
  outboxRowsCausedBy,
  redisOf,
} from '../support/jobs';
import { CONNECTION_ID, killConnection } from '../support/sql';
import { cleanUp, sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

/**
 * G5: a job is acknowledged only after its transaction committed; a worker that dies before the ack
 * means redelivery (as a stalled job, to another instance), never loss, and the inbox makes the
 * redelivery harmless. Each scenario uses its own endpoint, as its first instance is killed.
 */
describe('G5 ack last, and lock expiry', () => {
  const prefix = uniquePrefix('g5');
  // Short locks so that stalled jobs come back within about two seconds (stalledInterval follows).
  const lockDurationMs = 1000;
  const apps: INestApplication[] = [];
  const queues: Queue<MessageEnvelope>[] = [];
  const hung: Deferred[] = [];
  let sink: Queue<MessageEnvelope>;

  async function startInstance(endpoint: string, faultHooks: FaultHooks = {}, concurrency = 16) {
    const app = await startEndpoint({
      endpoint,
      prefix,
      entities: [G5Shipment],
      providers: [G5ShipmentHandler],
      messaging: { lockDurationMs, concurrency, faultHooks },
      poolSize: concurrency + 2,
    });
    apps.push(app);
    return app;
  }

  function queueOf(endpoint: string) {
    const queue = openQueue(prefix, endpoint);
    queues.push(queue);
    return queue;
  }

  function hang() {
    const gate = deferred();
    hung.push(gate);
    return gate;
  }

  beforeAll(() => {
    sink = queueOf(G5_SINK);
  });

  afterAll(async () => {
    for (const gate of hung) gate.resolve();
    g5Behaviour.inTransaction = undefined;
    await sleep(200);
    await Promise.all(queues.map((queue) => queue.close()));
    for (const app of apps) await app.close();
    await cleanUp(prefix);
  });

  const dataSource = () => apps[0].get(DataSource);
  const callsFor = (messageId: string) => g5Calls.filter((id) => id === messageId).length;
  const completed = (queue: Queue<MessageEnvelope>, jobId: string) => async () =>
    (await queue.getJobState(jobId)) === 'completed';

  /** One shipment, one inbox record, one outbox row, and exactly that row's job in the sink. */
  async function expectExactlyOneEffect(endpoint: string, messageId: string) {
    expect(await dataSource().getRepository(G5Shipment).countBy({ messageId })).toBe(1);
    expect(await inboxCount(dataSource(), prefix, endpoint, messageId)).toBe(1);
    const outputs = await outboxRowsCausedBy(dataSource(), prefix, messageId);
    expect(outputs).toHaveLength(1);
    const sent = (await jobsIn(sink)).filter((job) => job.data.headers.causationId === messageId);
    expect(sent.map((job) => job.id)).toEqual([outputs[0].message_id]);
  }

  it('a worker killed after commit but before the ack: the job is redelivered and is a duplicate', async () => {
    const endpoint = 'g5-ack';
    const envelope = envelopeOf(new Ship('parcel-ack'));
    const gate = hang();
    let hookReached = false;
    const first = await startInstance(endpoint, {
      afterMarkBeforeAck: async ({ incomingMessageId }) => {
        if (incomingMessageId !== envelope.id) return;
        hookReached = true;
        await gate.promise;
      },
    });
    const queue = queueOf(endpoint);
    await deliver(queue, envelope);
    await waitFor('the first instance to hang after commit, before the ack', () => hookReached);

    // Committed, dispatched, marked: but the job is not acknowledged yet.
    expect(await dataSource().getRepository(G5Shipment).countBy({ messageId: envelope.id })).toBe(
      1,
    );
    expect(await queue.getJobState(envelope.id)).toBe('active');

    await first.get(EndpointWorker).kill();
    await startInstance(endpoint);
    await waitFor('the stalled job to be redelivered and completed', completed(queue, envelope.id));
    await sleep(300);

    const job = await queue.getJob(envelope.id);
    expect(job?.stalledCounter).toBe(1);
    expect(job?.returnvalue).toBe('duplicate');
    expect(callsFor(envelope.id)).toBe(1);
    await expectExactlyOneEffect(endpoint, envelope.id);
  });

  it('a worker that dies before commit: the job is redelivered and handled exactly once', async () => {
    const endpoint = 'g5-crash';
    const envelope = envelopeOf(new Ship('parcel-crash'));
    const gate = hang();
    let connectionId: number | undefined;
    let hookReached = false;
    g5Behaviour.inTransaction = async (context) => {
      if (context.messageId !== envelope.id || connectionId !== undefined) return;
      const [row] = await context.manager.query(`SELECT ${CONNECTION_ID} AS id`);
      connectionId = Number(row.id);
    };
    // The last moment before COMMIT: shipment, inbox record and outbox rows are written.
    const first = await startInstance(endpoint, {
      beforeCommit: async ({ incomingMessageId }) => {
        if (incomingMessageId !== envelope.id || hookReached) return;
        hookReached = true;
        await gate.promise;
      },
    });
    const queue = queueOf(endpoint);
    await deliver(queue, envelope);
    await waitFor('the first instance to hang right before commit', () => hookReached);
    expect(await queue.getJobState(envelope.id)).toBe('active');

    // The process dies: its worker stops, its connection drops (the server rolls back), its
    // pipeline never goes on.
    await first.get(EndpointWorker).kill();
    await dataSource().query(killConnection(connectionId!));
    gate.reject(new Error('the process died'));
    await startInstance(endpoint);
    await waitFor('the stalled job to be redelivered and completed', completed(queue, envelope.id));
    await sleep(300);

    const job = await queue.getJob(envelope.id);
    expect(job?.stalledCounter).toBe(1);
    expect(job?.returnvalue).toBe('handled');
    expect(callsFor(envelope.id)).toBe(2);
    await expectExactlyOneEffect(endpoint, envelope.id);
  });

  it('a lock that expires while the handler still runs: redelivered elsewhere, one effect commits', async () => {
    const endpoint = 'g5-lock';
    const envelope = envelopeOf(new Ship('parcel-lock'));
    const gate = hang();
    let entered = false;
    g5Behaviour.inTransaction = async (context) => {
      if (context.messageId !== envelope.id || entered) return;
      entered = true;
      await gate.promise;
    };
    // Concurrency 1: while the slow handler runs, this instance cannot take the job back itself.
    await startInstance(endpoint, {}, 1);
    const queue = queueOf(endpoint);
    await deliver(queue, envelope);
    await waitFor('the first instance to be inside the handler', () => entered);
    await startInstance(endpoint);

    // BullMQ renews the lock every lockDuration / 2 while the worker's event loop runs, so a slow
    // handler alone keeps it. It is lost when a renewal comes too late (GC pause, blocked event
    // loop, network partition): the key expires. Delete it, as that expiry would.
    await (await redisOf(queue)).del(lockKeyOf(prefix, endpoint, envelope.id));
    await waitFor('the job to be redelivered to the second instance', async () => {
      const stalled = (await queue.getJob(envelope.id))?.stalledCounter === 1;
      const blockedOnInbox = (await insertsWaitingOn(dataSource(), `${prefix}inbox`)) > 0;
      return stalled && (blockedOnInbox || callsFor(envelope.id) > 1);
    });
    await sleep(200);
    // The first handler finishes now, long after its lock expired, and commits.
    gate.resolve();
    await waitFor('the redelivered job to complete', completed(queue, envelope.id));
    await sleep(300);

    expect((await queue.getJob(envelope.id))?.returnvalue).toBe('duplicate');
    expect(callsFor(envelope.id)).toBe(1);
    await expectExactlyOneEffect(endpoint, envelope.id);
  });
});
