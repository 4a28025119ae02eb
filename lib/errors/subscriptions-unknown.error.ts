/**
 * An event's type had subscribers that Redis no longer lists, and those endpoints have not
 * registered again since: Redis lost its data (a restart without persistence, a flush, a failover
 * that lost writes). The event goes to the subscribers Redis knows, and stays pending until the
 * others register again.
 */
export class SubscriptionsUnknownError extends Error {
  constructor(
    readonly messageId: string,
    readonly messageType: string,
    readonly endpoints: string[],
  ) {
    super(
      `Event ${messageId} (${messageType}) held: its subscriber(s) ${endpoints.map((name) => `"${name}"`).join(', ')} ` +
        'are not registered in Redis (did Redis lose its data?); it went to the others, and goes to these once they register again. ' +
        'An endpoint gone for good: delete its rows from the subscriptions table (README, "Redis data loss").',
    );
    this.name = 'SubscriptionsUnknownError';
  }
}
