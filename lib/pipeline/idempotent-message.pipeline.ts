import { Injectable } from '@nestjs/common';
import { toMessageInstance } from '../messages/message-type';
import type { IncomingMessage } from './incoming-message.interface';
import { IdempotentContext } from './idempotent-context';
import { outputLayerStorage } from './output-layer.storage';

/**
 * The output-layer pipeline: no transaction, no inbox, no outbox. Each handler runs with the message
 * id as idempotency key; the external system is what drops repeats. A failure is retried by BullMQ.
 */
@Injectable()
export class IdempotentMessagePipeline {
  async handle({ envelope, payload, handlers }: IncomingMessage): Promise<'handled'> {
    const context = new IdempotentContext(envelope.id, envelope.type, envelope.headers);
    for (const handler of handlers) {
      const copy = handlers.length === 1 ? payload : structuredClone(payload);
      const message = toMessageInstance(handler.messageClass, copy);
      await outputLayerStorage.run(handler.name, () => handler.invoke(message, context));
    }
    return 'handled';
  }
}
