/**
 * ConsistentMessagingModule was set up twice in one application (two `forRoot`s): both would
 * consume, and both would claim every handler.
 */
export class DuplicateMessagingModuleError extends Error {
  constructor(first: string, second: string) {
    super(
      `ConsistentMessagingModule is set up twice in this application (endpoints "${first}" and "${second}"): ` +
        'call forRoot (or forRootAsync) once, in the root module; it is global, so every module can inject MessagePublisher. ' +
        'Two endpoints are two applications.',
    );
    this.name = 'DuplicateMessagingModuleError';
  }
}
