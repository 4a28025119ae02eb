export interface PublishOptions {
  /** Message id to use instead of a new random one; must be unique across the outbox. */
  messageId?: string;
  /** Custom headers carried with the message. */
  headers?: Record<string, string>;
  /**
   * Messages with the same key recorded by this endpoint are handled by each receiver in the order
   * their units of work committed (see README, "Ordering"): an aggregate's id, say. At most 191
   * characters.
   */
  orderingKey?: string;
}
