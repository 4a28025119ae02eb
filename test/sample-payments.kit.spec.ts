import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MessagingTestKit } from '../lib/testing';
import { cleanUp, uniquePrefix } from './support/test-endpoint';

/** The sample's payments handler under the test kit, as a user tests their own. */
describe('sample-app payments, checked with the test kit', () => {
  const prefix = uniquePrefix('samplekit');
  let app: INestApplication;
  let kit: MessagingTestKit;
  let sample: {
    OrderPlaced: typeof import('../sample-app/messages/order-placed.event').OrderPlaced;
    Payment: typeof import('../sample-app/payments/payment.entity').Payment;
  };

  beforeAll(async () => {
    // The sample reads its prefixes when its config loads.
    process.env.SAMPLE_TABLE_PREFIX = prefix;
    process.env.SAMPLE_QUEUE_PREFIX = prefix.replace(/_+$/, '');
    const { PaymentsModule } = await import('../sample-app/payments/payments.module');
    sample = {
      OrderPlaced: (await import('../sample-app/messages/order-placed.event')).OrderPlaced,
      Payment: (await import('../sample-app/payments/payment.entity')).Payment,
    };
    const moduleRef = await Test.createTestingModule({ imports: [PaymentsModule] }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.init();
    kit = new MessagingTestKit(app);
  });

  afterAll(async () => {
    await app?.close();
    await cleanUp(prefix);
    delete process.env.SAMPLE_TABLE_PREFIX;
    delete process.env.SAMPLE_QUEUE_PREFIX;
  }, 60000);

  it('starts one payment per placed order under every fault', async () => {
    const event = new sample.OrderPlaced('order-1', 'cart-1', 4200);
    const report = await kit.assertConsistent(event, { entities: [sample.Payment] });
    expect(report.scenarios.filter((result) => result.applies)).toHaveLength(6);
  }, 120000);
});
