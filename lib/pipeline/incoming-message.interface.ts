import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import type { RegisteredHandler } from './handler.registry';

/** A parsed incoming message and the handlers of its type. */
export interface IncomingMessage {
  envelope: MessageEnvelope;
  payload: object;
  handlers: RegisteredHandler[];
  /** Aborts when the attempt's time is up (`attemptTimeoutMs`). */
  signal: AbortSignal;
}
