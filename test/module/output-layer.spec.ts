import type { INestApplication } from '@nestjs/common';
import { DeadLetterQueue, HandlerRegistry } from '../../lib';
import {
  CardAuthorizer,
  InvoiceRenderer,
  PaymentDesk,
  provider,
} from '../fixtures/g9-payments.fixtures';
import { closeAndCleanUp } from '../support/scenarios';
import { sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

/** G9: output-layer handlers are idempotent through a stable key and can't emit messages. */
describe('G9 output layer', () => {
  const prefix = uniquePrefix('g9');
  let gateway: INestApplication;
  let desk: INestApplication;

  beforeAll(async () => {
    gateway = await startEndpoint({
      endpoint: 'gateway',
      prefix,
      providers: [CardAuthorizer, InvoiceRenderer],
    });
    desk = await startEndpoint({ endpoint: 'desk', prefix, providers: [PaymentDesk] });
  });

  afterAll(() => closeAndCleanUp(prefix, [], [gateway, desk]));

  it('gives the message id as idempotency key on every attempt, so the provider charges once', async () => {
    const messageId = await desk.get(PaymentDesk).requestAuthorization('pay-1');
    const keys = gateway.get(CardAuthorizer).keys;
    await waitFor('the retry', () => keys.length === 2);
    await sleep(300);
    expect(keys).toEqual([
      { messageId, idempotencyKey: messageId },
      { messageId, idempotencyKey: messageId },
    ]);
    expect(provider.calls).toEqual([messageId, messageId]);
    expect(provider.charges.size).toBe(1);
  });

  it('dead-letters at once a handler that tries to publish, naming it and the rule', async () => {
    const messageId = await desk.get(PaymentDesk).requestInvoice('inv-1');
    const deadLetters = gateway.get(DeadLetterQueue);
    await waitFor('the dead letter', async () => (await deadLetters.get(messageId)) !== undefined);
    const deadLetter = await deadLetters.get(messageId);
    expect(deadLetter?.attemptsMade).toBe(1);
    expect(deadLetter?.error).toMatch(
      /InvoiceRenderer\.render is an @IdempotentHandler\(\) \(output layer\) and may not publish/,
    );
  });

  it('lists the handlers by layer', () => {
    expect(gateway.get(HandlerRegistry).describe()).toEqual([
      { layer: 'output', handler: 'CardAuthorizer.authorize', messageType: 'AuthorizeCard' },
      { layer: 'output', handler: 'InvoiceRenderer.render', messageType: 'RenderInvoice' },
    ]);
  });
});
