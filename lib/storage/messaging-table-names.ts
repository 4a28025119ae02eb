/** The library's tables for one `tablePrefix`. */
export interface MessagingTableNames {
  outbox: string;
  inbox: string;
  subscriptions: string;
  deadLetters: string;
  /** Senders: the last sequence number of each (origin, destination, ordering key). */
  orderingSequences: string;
  /** Receivers: the last sequence handled on each (endpoint, origin, ordering key). */
  orderingPositions: string;
  /** Receivers: messages that arrived before their predecessor was handled. */
  orderingParked: string;
}

/** Names of the tables for a prefix. */
export function messagingTableNames(prefix: string): MessagingTableNames {
  return {
    outbox: `${prefix}outbox`,
    inbox: `${prefix}inbox`,
    subscriptions: `${prefix}subscriptions`,
    deadLetters: `${prefix}dead_letters`,
    orderingSequences: `${prefix}ordering_sequences`,
    orderingPositions: `${prefix}ordering_positions`,
    orderingParked: `${prefix}ordering_parked`,
  };
}

/** Tables added since the first version: an installation that has the outbox may lack them. */
export function addedTableNames(tables: MessagingTableNames): string[] {
  return [
    tables.subscriptions,
    tables.deadLetters,
    tables.orderingSequences,
    tables.orderingPositions,
    tables.orderingParked,
  ];
}
