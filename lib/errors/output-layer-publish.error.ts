/**
 * An @IdempotentHandler() tried to publish or send. Output-layer handlers are merely idempotent: they
 * can't know whether their effect is new, so a message from them could announce a change that never
 * happened, or announce one twice. Dead-lettered at once.
 */
export class OutputLayerPublishError extends Error {
  constructor(handlerName: string) {
    super(
      `${handlerName} is an @IdempotentHandler() (output layer) and may not publish or send messages. ` +
        `Send the result back with @ConsistentHandler() handlers instead, which record state and messages together.`,
    );
    this.name = 'OutputLayerPublishError';
  }
}
