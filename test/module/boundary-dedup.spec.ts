import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CheckoutController,
  CheckoutEntity,
  CheckoutProbe,
  CheckoutService,
} from '../fixtures/g8-checkout.fixtures';
import { closeAndCleanUp, startWebWithDownstream } from '../support/scenarios';
import { sleep, uniquePrefix, waitFor } from '../support/test-endpoint';

/** G8: at the sync-async boundary a repeated submission yields one state change and one message. */
describe('G8 boundary deduplication', () => {
  const prefix = uniquePrefix('g8');
  let web: INestApplication;
  let downstream: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    ({ web, downstream, baseUrl } = await startWebWithDownstream({
      prefix,
      entities: [CheckoutEntity],
      web: { controllers: [CheckoutController], providers: [CheckoutService] },
      downstream: [CheckoutProbe],
    }));
  });

  afterAll(() => closeAndCleanUp(prefix, [], [web, downstream]));

  const post = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ cartId: 'cart-h' }),
    });
  const checkouts = (cartId: string) =>
    web.get(DataSource).getRepository(CheckoutEntity).countBy({ cartId });
  const received = (cartId: string) =>
    downstream.get(CheckoutProbe).received.filter((entry) => entry.cartId === cartId);

  it('answers a repeated submit with 409 and the first message id, and changes nothing', async () => {
    const first = await post('/carts/cart-1/checkout');
    expect(first.status).toBe(201);
    const { messageId } = (await first.json()) as { messageId: string };
    const repeat = await post('/carts/cart-1/checkout');
    expect(repeat.status).toBe(409);
    expect(await repeat.json()).toMatchObject({ key: 'cart-1', firstMessageId: messageId });
    await waitFor('delivery', () => received('cart-1').length === 1);
    await sleep(500);
    expect(received('cart-1')).toEqual([{ id: messageId, cartId: 'cart-1' }]);
    expect(await checkouts('cart-1')).toBe(1);
  });

  it('lets exactly one of many concurrent repeats through', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () => post('/carts/cart-2/checkout').then((r) => r.status)),
    );
    expect(statuses.sort()).toEqual([201, 409, 409, 409, 409, 409]);
    await waitFor('delivery', () => received('cart-2').length === 1);
    await sleep(500);
    expect(received('cart-2')).toHaveLength(1);
    expect(await checkouts('cart-2')).toBe(1);
  });

  it('uses an Idempotency-Key header as the key, and checks nothing without one', async () => {
    expect((await post('/carts/checkout', { 'idempotency-key': 'k-1' })).status).toBe(201);
    expect((await post('/carts/checkout', { 'idempotency-key': 'k-1' })).status).toBe(409);
    expect((await post('/carts/checkout', { 'idempotency-key': 'k-2' })).status).toBe(201);
    expect((await post('/carts/checkout')).status).toBe(201);
    expect((await post('/carts/checkout')).status).toBe(201);
    expect(await checkouts('cart-h')).toBe(4);
  });

  it('lets a service return the first result to a repeat', async () => {
    const service = web.get(CheckoutService);
    const first = await service.checkOutOnce('cart-3');
    const repeat = await service.checkOutOnce('cart-3');
    expect(first.repeat).toBe(false);
    expect(repeat).toEqual({ messageId: first.messageId, repeat: true });
  });
});
