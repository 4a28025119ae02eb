/** The library's tables for one `tablePrefix`. */
export interface MessagingTableNames {
  outbox: string;
  inbox: string;
  subscriptions: string;
  deadLetters: string;
}

/** Names of the tables for a prefix. */
export function messagingTableNames(prefix: string): MessagingTableNames {
  return {
    outbox: `${prefix}outbox`,
    inbox: `${prefix}inbox`,
    subscriptions: `${prefix}subscriptions`,
    deadLetters: `${prefix}dead_letters`,
  };
}

/** Tables added since the first version: an installation that has the outbox may lack them. */
export function addedTableNames(tables: MessagingTableNames): string[] {
  return [tables.subscriptions, tables.deadLetters];
}
