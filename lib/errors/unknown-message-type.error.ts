import { shortText } from './thrown-text';

/** No handler of this endpoint handles the type. Dead-lettered at once. */
export class UnknownMessageTypeError extends Error {
  constructor(endpoint: string, type: string) {
    super(`Endpoint "${endpoint}" has no handler for message type "${shortText(type)}".`);
    this.name = 'UnknownMessageTypeError';
  }
}
