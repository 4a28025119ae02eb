/** Headers every message carries through the chain. */
export interface MessageHeaders {
  /** Id shared by every message of one business process (the first message's id unless given). */
  correlationId: string;
  /** Id of the message whose handling produced this one; null at the sync-async boundary. */
  causationId: string | null;
  /** Endpoint that wrote the message to its outbox. */
  originEndpoint: string;
  /** ISO timestamp of when the message was recorded. */
  sentAt: string;
  /** Custom headers given at publish time. */
  [name: string]: string | null;
}

/** What travels in a BullMQ job: the payload is kept as the exact JSON text written to the outbox. */
export interface MessageEnvelope {
  id: string;
  type: string;
  payload: string;
  headers: MessageHeaders;
}
