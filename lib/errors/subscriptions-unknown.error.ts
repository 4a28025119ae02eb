/**
 * An event's type had subscribers that Redis no longer lists, and those endpoints have not
 * registered again since: Redis lost its data (a restart without persistence, a flush, a failover
 * that lost writes). The event stays pending until they register again.
 */
export class SubscriptionsUnknownError extends Error {
  constructor(
    readonly messageId: string,
    readonly messageType: string,
    readonly endpoints: string[],
  ) {
    super(
      `Event ${messageId} (${messageType}) held: its subscriber(s) ${endpoints.map((name) => `"${name}"`).join(', ')} ` +
        'are not registered in Redis (did Redis lose its data?). It is dispatched once they register again.',
    );
    this.name = 'SubscriptionsUnknownError';
  }
}
