import { Inject, Injectable, Logger, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import {
  CONSISTENT_HANDLER_METADATA,
  CONSISTENT_MESSAGING_OPTIONS,
  IDEMPOTENT_HANDLER_METADATA,
  OUTBOX_METADATA,
} from '../consistent-messaging.constants';
import type { ConsistentHandlerMetadata } from '../decorators/consistent-handler.decorator';
import type { IdempotentHandlerMetadata } from '../decorators/idempotent-handler.decorator';
import { DuplicateMessagingModuleError } from '../errors/duplicate-messaging-module.error';
import { InvalidHandlerError } from '../errors/invalid-handler.error';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { decoratedClasses } from './decorated-classes';
import { messageTypeOf } from '../messages/message-type';
import { HandlerRegistry, type HandlerLayer } from '../pipeline/handler.registry';
import { OutboxBoundaryRunner } from '../unit-of-work/outbox-boundary.runner';

type Method = (...args: unknown[]) => unknown;

/** The endpoint of the messaging module already set up in each application. */
const endpointOfApplication = new WeakMap<ModulesContainer, string>();

const DECORATORS: [string, string][] = [
  [CONSISTENT_HANDLER_METADATA, '@ConsistentHandler()'],
  [IDEMPOTENT_HANDLER_METADATA, '@IdempotentHandler()'],
  [OUTBOX_METADATA, '@Outbox()'],
];

/** Finds @ConsistentHandler(), @IdempotentHandler() and @Outbox() methods on providers and controllers. */
@Injectable()
export class MessagingExplorer {
  private readonly logger = new Logger('ConsistentMessaging');

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly modules: ModulesContainer,
    private readonly registry: HandlerRegistry,
    private readonly boundary: OutboxBoundaryRunner,
  ) {}

  /**
   * Registers every decorated method. Throws for a second messaging module in the application and
   * for a request-scoped class with decorated methods; warns about decorated classes that are no
   * provider or controller here.
   */
  explore(): void {
    const first = endpointOfApplication.get(this.modules);
    if (first !== undefined) throw new DuplicateMessagingModuleError(first, this.options.endpoint);
    endpointOfApplication.set(this.modules, this.options.endpoint);
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const wrapper of wrappers) this.exploreInstance(wrapper);
    this.warnAboutStrays(wrappers);
  }

  private exploreInstance(wrapper: InstanceWrapper): void {
    if (!wrapper.isDependencyTreeStatic()) return this.refuseScoped(wrapper);
    const instance = wrapper.instance as Record<string, Method> | undefined;
    if (!instance || typeof instance !== 'object') return;
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

  /**
   * A request-scoped class (or one that depends on a request-scoped provider) has one instance per
   * request: none for a worker to call, and none the @Outbox() boundary was attached to.
   */
  private refuseScoped(wrapper: InstanceWrapper): void {
    const prototype = (wrapper.metatype as { prototype?: object } | null)?.prototype;
    if (!prototype || !decoratedClasses().includes(wrapper.metatype as Type)) return;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = (prototype as Record<string, Method>)[methodName];
      const found = DECORATORS.find(([key]) => this.reflector.get(key, method) !== undefined);
      if (found)
        throw new InvalidHandlerError(
          wrapper.metatype?.name ?? String(wrapper.name),
          methodName,
          `${found[1]} needs a singleton provider, and this one is request-scoped (or depends on a request-scoped provider). ` +
            'Move the method to a singleton service and pass what it needs from the request as arguments.',
        );
    }
  }

  /** Decorated classes that are no provider or controller of this application: they never run. */
  private warnAboutStrays(wrappers: InstanceWrapper[]): void {
    const found = new Set(wrappers.map((wrapper) => wrapper.metatype));
    for (const stray of decoratedClasses().filter((type) => !found.has(type)))
      this.logger.warn(
        `${stray.name} has @ConsistentHandler(), @IdempotentHandler() or @Outbox() methods but is no provider or controller of this application, so they never run: add it to a module's providers`,
      );
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
