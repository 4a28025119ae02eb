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

/** The same handler without the @Outbox() service, so that nothing forces the ambient unit on. */
@Injectable()
class PlainPingHandler {
  constructor(
    private readonly host: UnitOfWorkHost,
    private readonly publisher: MessagePublisher,
  ) {}

  @ConsistentHandler(Ping)
  async onPing(ping: Ping, context: MessageContext): Promise<void> {
    seen.set(context.messageId, { active: this.host.isActive });
    try {
      if (ping.via === 'context') context.send(SINK, new Pong(ping.via));
      else this.publisher.send(SINK, new Pong(ping.via));
    } catch (error) {
      seen.set(context.messageId, { active: this.host.isActive, error: (error as Error).message });
      throw error;
    }
  }
}

describe('ambientUnitOfWork: false', () => {
  describe('in an application without @Outbox() methods', () => {
    const prefix = uniquePrefix('amb1');
    let app: INestApplication;
    let dataSource: DataSource;
    let queue: Queue<MessageEnvelope>;
    let sink: Queue<MessageEnvelope>;

    beforeAll(async () => {
      ({ app, dataSource, queue, sink } = await startEndpointWithSink(
        {
          endpoint: 'ambient-plain',
          prefix,
          providers: [PlainPingHandler],
          messaging: { ambientUnitOfWork: false, retry: { attempts: 1 } },
        },
        SINK,
      ));
    });

    afterAll(() => closeAndCleanUp(prefix, [queue, sink], [app]));

    it('handlers work through their MessageContext, with no ambient unit of work', async () => {
      const envelope = envelopeOf(new Ping('context'));
      await deliver(queue, envelope, { attempts: 1 });
      await waitFor('the ping', async () => (await queue.getJobState(envelope.id)) === 'completed');
      expect(seen.get(envelope.id)).toEqual({ active: false });
      expect(await outboxRowsCausedBy(dataSource, prefix, envelope.id)).toHaveLength(1);
    });

    it('MessagePublisher inside a handler throws, saying to use the MessageContext', async () => {
      const envelope = envelopeOf(new Ping('publisher'));
      await deliver(queue, envelope, { attempts: 1 });
      await waitFor('the ping', async () => (await queue.getJobState(envelope.id)) === 'failed');
      const error = seen.get(envelope.id)?.error ?? '';
      expect(error).toContain(new NoActiveUnitOfWorkError('send a command', true).message);
      expect(error).toMatch(/ambientUnitOfWork: false[\s\S]*MessageContext/);
      expect(await outboxRowsCausedBy(dataSource, prefix, envelope.id)).toHaveLength(0);
    });
  });

  describe('in an application with @Outbox() methods', () => {
    const prefix = uniquePrefix('amb2');
    let app: INestApplication;
    let dataSource: DataSource;
    let queue: Queue<MessageEnvelope>;
    let sink: Queue<MessageEnvelope>;

    beforeAll(async () => {
      ({ app, dataSource, queue, sink } = await startEndpointWithSink(
        {
          endpoint: 'ambient-outbox',
          prefix,
          providers: [PingHandler, PongSender],
          messaging: { ambientUnitOfWork: false },
        },
        SINK,
      ));
    });

    afterAll(() => closeAndCleanUp(prefix, [queue, sink], [app]));

    it('stays ambient, so an @Outbox() method called from a handler joins its transaction', async () => {
      const envelope = envelopeOf(new Ping('outbox-method'));
      await deliver(queue, envelope);
      await waitFor('the ping', async () => (await queue.getJobState(envelope.id)) === 'completed');
      expect(seen.get(envelope.id)).toEqual({ active: true });
      // Joined: what the @Outbox() method sent was caused by the handler's incoming message.
      const outputs = await outboxRowsCausedBy(dataSource, prefix, envelope.id);
      expect(outputs.map((row) => JSON.parse(row.payload))).toEqual([{ via: 'outbox-method' }]);
    });
  });
});
