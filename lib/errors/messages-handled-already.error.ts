/** Some messages of a batch were handled already: the batch rolls back and each is handled alone. */
export class MessagesHandledAlreadyError extends Error {
  constructor(handled: number, of: number) {
    super(`${handled} of the batch's ${of} messages were handled already`);
    this.name = 'MessagesHandledAlreadyError';
  }
}
