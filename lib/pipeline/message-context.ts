import type { EntityManager } from 'typeorm';
import type { MessageHeaders } from '../interfaces/message-envelope.interface';
import type { PublishOptions } from '../interfaces/publish-options.interface';
import type { MessageOrigin, UnitOfWork } from '../unit-of-work/unit-of-work';

/** Second argument of a @ConsistentHandler() method: the incoming message's envelope and its transaction. */
export class MessageContext {
  /** This message's origin: what it sends stays caused by it, even after its turn in a batch. */
  private readonly origin: MessageOrigin;

  constructor(
    readonly messageId: string,
    readonly messageType: string,
    readonly headers: Readonly<MessageHeaders>,
    private readonly unitOfWork: UnitOfWork,
  ) {
    this.origin = unitOfWork.origin;
  }

  /** The transaction the inbox record, your changes and the outgoing messages commit in. */
  get manager(): EntityManager {
    return this.unitOfWork.manager;
  }

  /** Publishes an event to every endpoint that handles its type, after this transaction commits. */
  publish(event: object, options?: PublishOptions): string {
    return this.unitOfWork.record(event, null, options, this.origin);
  }

  /** Sends a command to one endpoint, after this transaction commits. */
  send(endpoint: string, command: object, options?: PublishOptions): string {
    return this.unitOfWork.record(command, endpoint, options, this.origin);
  }
}
