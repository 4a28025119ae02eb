import type { MessageHeaders } from '../interfaces/message-envelope.interface';

/** One message as written to the outbox: what will be dispatched, byte for byte. */
export interface OutboxMessage {
  id: string;
  type: string;
  /** JSON text of the message; never re-serialized after it is written. */
  payload: string;
  /** Endpoint a command is sent to; null for an event, which goes to every subscriber of its type. */
  destination: string | null;
  headers: MessageHeaders;
}
