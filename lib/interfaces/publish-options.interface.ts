export interface PublishOptions {
  /** Message id to use instead of a new random one; must be unique across the outbox. */
  messageId?: string;
  /** Custom headers carried with the message. */
  headers?: Record<string, string>;
}
