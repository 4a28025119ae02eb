/** The job's data is not a message envelope, or its payload is not JSON. Dead-lettered at once. */
export class MalformedMessageError extends Error {
  constructor(reason: string) {
    super(`Malformed message: ${reason}`);
    this.name = 'MalformedMessageError';
  }
}
