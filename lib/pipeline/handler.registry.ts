import { Injectable } from '@nestjs/common';
import type { MessageClass } from '../interfaces/message-class.interface';
import type { MessageContext } from './message-context';

export interface RegisteredHandler {
  messageClass: MessageClass;
  /** `ClassName.methodName`, for logs and errors. */
  name: string;
  invoke(message: object, context: MessageContext): Promise<unknown>;
}

/** The handlers this endpoint runs, by message type. */
@Injectable()
export class HandlerRegistry {
  private readonly handlers = new Map<string, RegisteredHandler[]>();

  add(type: string, handler: RegisteredHandler): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
  }

  handlersOf(type: string): RegisteredHandler[] | undefined {
    return this.handlers.get(type);
  }

  types(): string[] {
    return [...this.handlers.keys()];
  }
}
