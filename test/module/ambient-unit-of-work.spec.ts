import { Injectable, type INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import {
  ConsistentHandler,
  Message,
  MessageContext,
  MessagePublisher,
  NoActiveUnitOfWorkError,
  Outbox,
  UnitOfWorkHost,
  type MessageEnvelope,
} from '../../lib';
import { deliver, envelopeOf, outboxRowsCausedBy } from '../support/jobs';
import { closeAndCleanUp, startEndpointWithSink } from '../support/scenarios';
import { uniquePrefix, waitFor } from '../support/test-endpoint';

const SINK = 'ambient-sink';

@Message('ambient.Ping')
class Ping {
  constructor(readonly via: 'context' | 'publisher' | 'outbox-method') {}
}

@Message('ambient.Pong')
class Pong {
  constructor(readonly via: string) {}
}

/** What the handler saw of the ambient unit, per message id. */
const seen = new Map<string, { active: boolean; error?: string }>();

@Injectable()
class PongSender {
  constructor(private readonly publisher: MessagePublisher) {}

  @Outbox()
  async sendPong(via: string): Promise<void> {
    this.publisher.send(SINK, new Pong(via));
  }
}

@Injectable()
class PingHandler {
  constructor(
    private readonly host: UnitOfWorkHost,
    private readonly publisher: MessagePublisher,
    private readonly sender: PongSender,
  ) {}

  @ConsistentHandler(Ping)
  async onPing(ping: Ping, context: MessageContext): Promise<void> {
    seen.set(context.messageId, { active: this.host.isActive });
    try {
      if (ping.via === 'context') context.send(SINK, new Pong(ping.via));
      if (ping.via === 'publisher') this.publisher.send(SINK, new Pong(ping.via));
      if (ping.via === 'outbox-method') await this.sender.sendPong(ping.via);
    } catch (error) {
      seen.set(context.messageId, { active: this.host.isActive, error: (error as Error).message });
      throw error;
    }
  }
}

describe('the unit of work of a handler is ambient', () => {
  const prefix = uniquePrefix('amb');
  let app: INestApplication;
  let dataSource: DataSource;
  let queue: Queue<MessageEnvelope>;
  let sink: Queue<MessageEnvelope>;

  beforeAll(async () => {
    ({ app, dataSource, queue, sink } = await startEndpointWithSink(
      { endpoint: 'ambient', prefix, providers: [PingHandler, PongSender] },
      SINK,
    ));
  });

  afterAll(() => closeAndCleanUp(prefix, [queue, sink], [app]));

  it.each(['context', 'publisher', 'outbox-method'] as const)(
    'what the handler sends through %s is recorded in its transaction, caused by its message',
    async (via) => {
      const envelope = envelopeOf(new Ping(via));
      await deliver(queue, envelope);
      await waitFor('the ping', async () => (await queue.getJobState(envelope.id)) === 'completed');
      expect(seen.get(envelope.id)).toEqual({ active: true });
      const outputs = await outboxRowsCausedBy(dataSource, prefix, envelope.id);
      expect(outputs.map((row) => JSON.parse(row.payload))).toEqual([{ via }]);
    },
  );

  it('MessagePublisher outside any unit of work throws, and sends nothing', () => {
    expect(() => app.get(MessagePublisher).send(SINK, new Pong('outside'))).toThrow(
      NoActiveUnitOfWorkError,
    );
    expect(app.get(UnitOfWorkHost).isActive).toBe(false);
  });
});
