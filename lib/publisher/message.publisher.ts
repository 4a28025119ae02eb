import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { NoActiveUnitOfWorkError } from '../errors/no-active-unit-of-work.error';
import { OutputLayerPublishError } from '../errors/output-layer-publish.error';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { PublishOptions } from '../interfaces/publish-options.interface';
import { outputLayerStorage } from '../pipeline/output-layer.storage';
import { unitOfWorkStorage } from '../unit-of-work/unit-of-work.storage';

/**
 * Publishes from the active unit of work: the message is written to the outbox in the current
 * transaction and dispatched only after it commits. Outside a unit of work it throws; it never
 * sends directly.
 */
@Injectable()
export class MessagePublisher {
  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
  ) {}

  /** Publishes an event to every endpoint that handles its type. Returns the message id. */
  publish(event: object, options?: PublishOptions): string {
    return this.activeUnitOfWork('publish an event').record(event, null, options);
  }

  /** Sends a command to the named endpoint. Returns the message id. */
  send(endpoint: string, command: object, options?: PublishOptions): string {
    return this.activeUnitOfWork('send a command').record(command, endpoint, options);
  }

  private activeUnitOfWork(action: string) {
    const outputHandler = outputLayerStorage.getStore();
    if (outputHandler) throw new OutputLayerPublishError(outputHandler);
    const unitOfWork = unitOfWorkStorage.getStore();
    if (!unitOfWork) throw new NoActiveUnitOfWorkError(action, !this.options.ambientUnitOfWork);
    return unitOfWork;
  }
}
