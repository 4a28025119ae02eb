export class InvalidHandlerError extends Error {
  constructor(className: string, methodName: string, reason: string) {
    super(`${className}.${methodName}: ${reason}`);
    this.name = 'InvalidHandlerError';
  }
}
