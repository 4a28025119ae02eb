import { Injectable } from '@nestjs/common';
import { InvalidHandlerError } from '../errors/invalid-handler.error';
import type { MessageClass } from '../interfaces/message-class.interface';
import type { IdempotentContext } from './idempotent-context';
import type { MessageContext } from './message-context';

/** Core: @ConsistentHandler() (transaction, inbox, outbox). Output: @IdempotentHandler() (merely idempotent). */
export type HandlerLayer = 'core' | 'output';

export interface RegisteredHandler {
  layer: HandlerLayer;
  messageClass: MessageClass;
  /** `ClassName.methodName`, for logs and errors. */
  name: string;
  invoke(message: object, context: MessageContext | IdempotentContext): Promise<unknown>;
}

export interface HandlerDescription {
  layer: HandlerLayer;
  handler: string;
  messageType: string;
}

/** The handlers this endpoint runs, by message type; all handlers of one type are in one layer. */
@Injectable()
export class HandlerRegistry {
  private readonly handlers = new Map<string, RegisteredHandler[]>();

  add(type: string, handler: RegisteredHandler): void {
    const list = this.handlers.get(type) ?? [];
    const other = list.find((existing) => existing.layer !== handler.layer);
    if (other) {
      const [className, methodName] = handler.name.split('.');
      throw new InvalidHandlerError(
        className,
        methodName,
        `"${type}" is already handled in the ${other.layer} layer by ${other.name}; one endpoint handles a ` +
          `type in one layer only (split the endpoints, or make both handlers the same kind)`,
      );
    }
    list.push(handler);
    this.handlers.set(type, list);
  }

  handlersOf(type: string): RegisteredHandler[] | undefined {
    return this.handlers.get(type);
  }

  types(): string[] {
    return [...this.handlers.keys()];
  }

  /** Every handler with its layer and the type it consumes, core layer first. */
  describe(): HandlerDescription[] {
    const all = [...this.handlers.entries()].flatMap(([messageType, list]) =>
      list.map((handler) => ({ layer: handler.layer, handler: handler.name, messageType })),
    );
    return all.sort((a, b) => a.layer.localeCompare(b.layer) || a.handler.localeCompare(b.handler));
  }
}
