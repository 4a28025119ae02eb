/** A class whose instances are messages. Its name (or the name given with `@Message()`) is the message type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- constructors of user classes take any arguments
export type MessageClass<T extends object = object> = abstract new (...args: any[]) => T;
