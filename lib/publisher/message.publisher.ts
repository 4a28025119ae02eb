import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { MESSAGING_DATA_SOURCE } from '../consistent-messaging.constants';
import { NoActiveUnitOfWorkError } from '../errors/no-active-unit-of-work.error';
import { OutputLayerPublishError } from '../errors/output-layer-publish.error';
import type { PublishOptions } from '../interfaces/publish-options.interface';
import { outputLayerStorage } from '../pipeline/output-layer.storage';
import type { UnitOfWork } from '../unit-of-work/unit-of-work';
import { activeUnitOfWork } from '../unit-of-work/unit-of-work.storage';

/**
 * Publishes from the unit of work open on this path (a handler, an @Outbox() method, or a
 * transaction of the application): the message is written to the outbox in that transaction and
 * dispatched only after it commits. Outside one it throws; it never sends directly.
 */
@Injectable()
export class MessagePublisher {
  constructor(@Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Publishes an event to every endpoint that handles its type. Returns the message id. */
  publish(event: object, options?: PublishOptions): string {
    return this.activeUnitOfWork('publish an event').record(event, null, options);
  }

  /** Sends a command to the named endpoint. Returns the message id. */
  send(endpoint: string, command: object, options?: PublishOptions): string {
    return this.activeUnitOfWork('send a command').record(command, endpoint, options);
  }

  private activeUnitOfWork(action: string): UnitOfWork {
    const outputHandler = outputLayerStorage.getStore();
    if (outputHandler) throw new OutputLayerPublishError(outputHandler);
    const unitOfWork = activeUnitOfWork(this.dataSource);
    if (!unitOfWork) throw new NoActiveUnitOfWorkError(action);
    return unitOfWork;
  }
}
