/** Something was still pending when the test kit's wait ran out. */
export class MessagingNotQuietError extends Error {
  constructor(readonly pending: string[]) {
    super(`Still pending when the wait ran out:\n- ${pending.join('\n- ')}`);
    this.name = 'MessagingNotQuietError';
  }
}
