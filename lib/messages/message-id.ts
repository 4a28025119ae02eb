import { v7 } from 'uuid';

/**
 * A new message id: a UUID version 7, whose first 48 bits are the time in ms. Ids made later sort
 * later, so the indexes keyed on message ids (inbox primary key, outbox message, causation and
 * correlation ids) grow at their right edge and stay in the buffer pool; random UUIDs would scatter
 * every insert over the whole index, and cost disk reads once the tables outgrow memory.
 */
export function newMessageId(): string {
  return v7();
}
