import { AsyncLocalStorage } from 'async_hooks';

/** Name of the @IdempotentHandler() running in the current async context, to refuse its publishes. */
export const outputLayerStorage = new AsyncLocalStorage<string>();
