/** Thrown by `forRoot`/`forRootAsync` when the `admin` extra is unsafe or malformed. */
export class InvalidAdminOptionsError extends Error {
  constructor(problem: string) {
    super(`ConsistentMessagingModule admin options are invalid: ${problem}`);
    this.name = 'InvalidAdminOptionsError';
  }
}
