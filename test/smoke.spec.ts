import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OrderEntity, PaymentEntity } from './fixtures/entities';
import { BillingHandler } from './fixtures/billing.handler';
import { OrderService } from './fixtures/order.service';
import { ShippingHandler } from './fixtures/shipping.handler';
import { cleanUp, startEndpoint, uniquePrefix, waitFor } from './support/test-endpoint';

describe('a message chain across three endpoints', () => {
  const prefix = uniquePrefix('smoke');
  let orders: INestApplication;
  let billing: INestApplication;
  let shipping: INestApplication;

  beforeAll(async () => {
    const entities = [OrderEntity, PaymentEntity];
    billing = await startEndpoint({
      endpoint: 'billing',
      prefix,
      entities,
      providers: [BillingHandler],
    });
    shipping = await startEndpoint({
      endpoint: 'shipping',
      prefix,
      entities,
      providers: [ShippingHandler],
    });
    orders = await startEndpoint({
      endpoint: 'orders',
      prefix,
      entities,
      providers: [OrderService],
    });
  });

  afterAll(async () => {
    await Promise.all([orders?.close(), billing?.close(), shipping?.close()]);
    await cleanUp(prefix);
  });

  it('delivers an event from @Outbox() to every subscriber and the follow-up on', async () => {
    const messageId = await orders.get(OrderService).place('o-1');
    const seen = shipping.get(ShippingHandler).seen;
    await waitFor('both messages at shipping', () => seen.length === 2);
    const dataSource = billing.get(DataSource);
    expect(await dataSource.getRepository(PaymentEntity).count()).toBe(1);
    const placed = seen.find((entry) => entry.type === 'test.OrderPlaced');
    const recorded = seen.find((entry) => entry.type === 'test.PaymentRecorded');
    expect(placed).toMatchObject({ id: messageId, causationId: null, correlationId: messageId });
    expect(recorded).toMatchObject({ causationId: messageId, correlationId: messageId });
  });
});
