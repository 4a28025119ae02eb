import { Injectable } from '@nestjs/common';
import { NoActiveUnitOfWorkError } from '../errors/no-active-unit-of-work.error';
import { OutputLayerPublishError } from '../errors/output-layer-publish.error';
import type { PublishOptions } from '../interfaces/publish-options.interface';
import { outputLayerStorage } from '../pipeline/output-layer.storage';
import { UnitOfWorkRunner } from '../unit-of-work/unit-of-work.runner';
import { unitOfWorkStorage } from '../unit-of-work/unit-of-work.storage';

/**
 * Publishes from the active unit of work: the message is written to the outbox in the current
 * transaction and dispatched only after it commits. Outside a unit of work it throws; it never
 * sends directly.
 */
@Injectable()
export class MessagePublisher {
  constructor(private readonly runner: UnitOfWorkRunner) {}

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
    if (!unitOfWork) throw new NoActiveUnitOfWorkError(action, !this.runner.handlersAmbient);
    return unitOfWork;
  }
}
