import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import {
  CONSISTENT_HANDLER_METADATA,
  IDEMPOTENT_HANDLER_METADATA,
  OUTBOX_METADATA,
} from '../consistent-messaging.constants';
import type { ConsistentHandlerMetadata } from '../decorators/consistent-handler.decorator';
import type { IdempotentHandlerMetadata } from '../decorators/idempotent-handler.decorator';
import { InvalidHandlerError } from '../errors/invalid-handler.error';
import { messageTypeOf } from '../messages/message-type';
import { HandlerRegistry, type HandlerLayer } from '../pipeline/handler.registry';
import { OutboxBoundaryRunner } from '../unit-of-work/outbox-boundary.runner';

type Method = (...args: unknown[]) => unknown;

/** Finds @ConsistentHandler(), @IdempotentHandler() and @Outbox() methods on providers and controllers. */
@Injectable()
export class MessagingExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: HandlerRegistry,
    private readonly boundary: OutboxBoundaryRunner,
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
      const core = this.reflector.get<ConsistentHandlerMetadata | undefined>(
        CONSISTENT_HANDLER_METADATA,
        method,
      );
      if (core) this.addHandler(instance, methodName, 'core', core);
      const output = this.reflector.get<IdempotentHandlerMetadata | undefined>(
        IDEMPOTENT_HANDLER_METADATA,
        method,
      );
      if (output) this.addHandler(instance, methodName, 'output', output);
      if (this.reflector.get<boolean | undefined>(OUTBOX_METADATA, method))
        this.boundary.attach(instance);
    }
  }

  private addHandler(
    instance: Record<string, Method>,
    methodName: string,
    layer: HandlerLayer,
    metadata: ConsistentHandlerMetadata | IdempotentHandlerMetadata,
  ): void {
    const className = instance.constructor.name;
    if (typeof metadata.messageClass !== 'function') {
      const decorator = layer === 'core' ? '@ConsistentHandler' : '@IdempotentHandler';
      throw new InvalidHandlerError(
        className,
        methodName,
        `${decorator}() needs a message class, e.g. ${decorator}(OrderPlaced)`,
      );
    }
    const type = messageTypeOf(metadata.messageClass);
    this.registry.add(type, {
      layer,
      messageClass: metadata.messageClass,
      name: `${className}.${methodName}`,
      invoke: async (message, context) => instance[methodName](message, context),
    });
  }
}
