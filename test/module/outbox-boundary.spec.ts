import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InvalidMessageError, MessagePublisher, NoActiveUnitOfWorkError } from '../../lib';
import {
  BoundaryProbe,
  CartCheckedOut,
  CartController,
  CartEntity,
  CartService,
  CustomerEntity,
} from '../fixtures/boundary.fixtures';
import { closeAndCleanUp, startWebWithDownstream } from '../support/scenarios';
import { ident } from '../support/sql';
import { sleep, uniquePrefix, waitFor } from '../support/test-endpoint';

describe('@Outbox() at the sync-async boundary', () => {
  const prefix = uniquePrefix('boundary');
  const entities = [CartEntity, CustomerEntity];
  let web: INestApplication;
  let downstream: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    ({ web, downstream, baseUrl } = await startWebWithDownstream({
      prefix,
      entities,
      web: { providers: [CartService], controllers: [CartController] },
      downstream: [BoundaryProbe],
    }));
  });

  afterAll(() => closeAndCleanUp(prefix, [], [web, downstream]));

  const received = () => downstream.get(BoundaryProbe).received;
  const outboxCount = async (): Promise<number> => {
    const [row] = await web
      .get(DataSource)
      .query(`SELECT COUNT(*) AS n FROM ${ident(`${prefix}outbox`)}`);
    return Number(row.n);
  };

  it('commits the state and the message together, then delivers it', async () => {
    const messageId = await web.get(CartService).checkOut('cart-1');
    await waitFor('delivery', () => received().some((entry) => entry.id === messageId));
    expect(await web.get(DataSource).getRepository(CartEntity).countBy({ id: 'cart-1' })).toBe(1);
  });

  it.each(['checkout', 'checkout-again'])(
    'wraps controller methods whatever the decorator order (%s)',
    async (path) => {
      const response = await fetch(`${baseUrl}/carts/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ cartId: `http-${path}` }),
      });
      expect(response.status).toBe(202);
      const { messageId } = (await response.json()) as { messageId: string };
      await waitFor('delivery', () => received().some((entry) => entry.id === messageId));
    },
  );

  it('refuses to publish outside a unit of work', () => {
    expect(() => web.get(MessagePublisher).publish(new CartCheckedOut('x'))).toThrow(
      NoActiveUnitOfWorkError,
    );
    expect(() => web.get(MessagePublisher).send('downstream', new CartCheckedOut('x'))).toThrow(
      /outside a unit of work/,
    );
  });

  it('joins a nested @Outbox() call to the outer unit: an outer failure sends nothing', async () => {
    const before = await outboxCount();
    await expect(web.get(CartService).checkOutThenFail('cart-nested')).rejects.toThrow(
      'payment declined',
    );
    expect(await web.get(DataSource).getRepository(CartEntity).countBy({ id: 'cart-nested' })).toBe(
      0,
    );
    expect(await outboxCount()).toBe(before);
  });

  it('discards messages of a released savepoint when the outer transaction fails', async () => {
    const before = await outboxCount();
    await expect(web.get(CartService).publishInSavepointThenFail('cart-savepoint')).rejects.toThrow(
      'failed after the savepoint',
    );
    await sleep(300);
    expect(await outboxCount()).toBe(before);
    expect(received().filter((entry) => entry.type === 'CartCheckedOut')).toHaveLength(3);
  });

  it('drops messages published in a savepoint that rolled back', async () => {
    const before = await outboxCount();
    const kept = await web.get(CartService).recoverFromFailedSavepoint('cart-recovered');
    await waitFor('delivery', () => received().some((entry) => entry.id === kept));
    expect(await outboxCount()).toBe(before + 1);
    const carts = await web
      .get(DataSource)
      .getRepository(CartEntity)
      .findBy({ id: 'cart-recovered-discarded' });
    expect(carts).toHaveLength(0);
  });

  it('publishes domain events raised by entities saved in the unit', async () => {
    await web.get(CartService).register('customer-1');
    await waitFor('domain event delivery', () =>
      received().some((entry) => entry.type === 'CustomerRegistered'),
    );
  });

  // Last: the event it publishes would change the counts of the tests above.
  it('refuses a messageId that is in the outbox already, naming it, and commits nothing', async () => {
    const publishWith = (cartId: string) =>
      web.get(DataSource).transaction(async (manager) => {
        await manager.getRepository(CartEntity).insert({ id: cartId });
        web.get(MessagePublisher).publish(new CartCheckedOut(cartId), { messageId: 'reused-id-1' });
      });
    await publishWith('cart-reused-1');
    await expect(publishWith('cart-reused-2')).rejects.toThrow(
      new InvalidMessageError(
        'message id "reused-id-1" is in the outbox already (a messageId given twice?); nothing was committed',
      ),
    );
    const carts = web.get(DataSource).getRepository(CartEntity);
    expect(await carts.countBy({ id: 'cart-reused-2' })).toBe(0);
  });
});
