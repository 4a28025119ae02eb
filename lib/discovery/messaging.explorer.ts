import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { CONSISTENT_HANDLER_METADATA, OUTBOX_METADATA } from '../consistent-messaging.constants';
import type { ConsistentHandlerMetadata } from '../decorators/consistent-handler.decorator';
import { InvalidHandlerError } from '../errors/invalid-handler.error';
import { messageTypeOf } from '../messages/message-type';
import { HandlerRegistry } from '../pipeline/handler.registry';
import type { MessageContext } from '../pipeline/message-context';
import { OutboxRelay } from '../relay/outbox.relay';
import { bindOutboxBoundary } from '../unit-of-work/outbox-boundary';
import { UnitOfWorkRunner } from '../unit-of-work/unit-of-work.runner';

type Method = (...args: unknown[]) => unknown;

/** Finds @ConsistentHandler() and @Outbox() methods on the application's providers and controllers. */
@Injectable()
export class MessagingExplorer {
  private readonly logger = new Logger('ConsistentMessaging');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: HandlerRegistry,
    private readonly runner: UnitOfWorkRunner,
    private readonly relay: OutboxRelay,
  ) {}

  explore(): void {
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const wrapper of wrappers) this.exploreInstance(wrapper);
  }

  private exploreInstance(wrapper: InstanceWrapper): void {
    const instance = wrapper.instance as Record<string, Method> | undefined;
    if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) return;
    const prototype = Object.getPrototypeOf(instance) as object;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = instance[methodName];
      const handler = this.reflector.get<ConsistentHandlerMetadata | undefined>(
        CONSISTENT_HANDLER_METADATA,
        method,
      );
      if (handler) this.addHandler(instance, methodName, handler);
      if (this.reflector.get<boolean | undefined>(OUTBOX_METADATA, method))
        this.bindBoundary(instance);
    }
  }

  private addHandler(
    instance: Record<string, Method>,
    methodName: string,
    metadata: ConsistentHandlerMetadata,
  ): void {
    const className = instance.constructor.name;
    if (typeof metadata.messageClass !== 'function') {
      throw new InvalidHandlerError(
        className,
        methodName,
        '@ConsistentHandler() needs a message class, e.g. @ConsistentHandler(OrderPlaced)',
      );
    }
    const type = messageTypeOf(metadata.messageClass);
    this.registry.add(type, {
      messageClass: metadata.messageClass,
      name: `${className}.${methodName}`,
      invoke: async (message: object, context: MessageContext) =>
        instance[methodName](message, context),
    });
    this.logger.log(`Handler ${className}.${methodName} consumes ${type}`);
  }

  private bindBoundary(instance: object): void {
    bindOutboxBoundary(instance, {
      run: async (work) => {
        const { result, committed } = await this.runner.run(null, async () => work());
        await this.relay.dispatchCommitted(committed);
        return result;
      },
    });
  }
}
