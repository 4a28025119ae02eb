export class NotAMessageError extends Error {
  constructor(value: unknown) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    super(
      `A message must be an instance of a message class (its class name is the message type); got ` +
        `${got === 'object' ? 'a plain object' : got}.`,
    );
    this.name = 'NotAMessageError';
  }
}
