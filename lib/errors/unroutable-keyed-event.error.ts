import { shortText, thrownText } from './thrown-text';

/**
 * A keyed event is numbered for each of its subscribers when its unit commits, and neither Redis
 * nor the database knows who subscribes to its type: the unit is rolled back.
 */
export class UnroutableKeyedEventError extends Error {
  constructor(type: string, cause: unknown) {
    super(
      `The subscribers of keyed event type "${shortText(type)}" are unknown (Redis: ${thrownText(cause)}), ` +
        'and this endpoint has dispatched none of its kind before: nothing was committed; retry once Redis answers',
    );
    this.name = 'UnroutableKeyedEventError';
  }
}
