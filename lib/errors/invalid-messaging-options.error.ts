/** Thrown at startup when module options are missing or wrong; lists every problem found. */
export class InvalidMessagingOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`ConsistentMessagingModule options are invalid:\n- ${problems.join('\n- ')}`);
    this.name = 'InvalidMessagingOptionsError';
  }
}
