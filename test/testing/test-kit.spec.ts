import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { MessagePublisher, Outbox } from '../../lib';
import {
  ConsistencyViolationError,
  MessagingNotQuietError,
  MessagingTestKit,
  UnhandledTestMessageError,
  runOutboxMethodsDirectly,
  type ConsistencyOptions,
  type ConsistencyReport,
} from '../../lib/testing';
import {
  ChargeAndMailAtOnce,
  ChargeOrder,
  ChargeViaSecondConnection,
  ChargeWithClockReceipt,
  ChargeWithRandomReference,
  ChargeSwallowingErrors,
  KIT_SHIPPING,
  KitOrder,
  KitPayment,
  KitPaymentHandlers,
  KitShipment,
  KitShippingHandler,
  AuthorizeCard,
  AuthorizeCardWithFreshKey,
  KitCardGateway,
  kitCardProvider,
  ShipOrder,
  kitMailer,
  kitSecondConnection,
} from '../fixtures/kit-payments';
import { db, onPostgres } from '../support/services';
import { DUPLICATE_KEY } from '../support/sql';
import { cleanUp, startEndpoint, uniquePrefix } from '../support/test-endpoint';

const ENTITIES = [KitOrder, KitPayment, KitShipment];

/** Nothing listens there: the in-memory runs prove they need no Redis. */
const NO_REDIS = { host: '127.0.0.1', port: 1 };

describe.each([
  ['on Redis', false],
  ['in memory, with no Redis', true],
])('the test kit (nestjs-consistent-messaging/testing) %s', (_transport, inMemory) => {
  const prefix = uniquePrefix(inMemory ? 'kitm' : 'kit');
  let payments: INestApplication;
  let shipping: INestApplication;
  let kit: MessagingTestKit;

  beforeAll(async () => {
    const transport = inMemory ? { inMemory, messaging: { redis: NO_REDIS } } : {};
    payments = await startEndpoint({
      endpoint: 'kit-payments',
      prefix,
      entities: ENTITIES,
      providers: [KitPaymentHandlers],
      ...transport,
    });
    shipping = await startEndpoint({
      endpoint: KIT_SHIPPING,
      prefix,
      entities: ENTITIES,
      providers: [KitShippingHandler, KitCardGateway],
      ...transport,
    });
    kitSecondConnection.dataSource = await new DataSource({
      ...db,
      entities: [KitPayment],
      entityPrefix: prefix,
    }).initialize();
    kit = new MessagingTestKit(payments, shipping);
  });

  afterAll(async () => {
    await kitSecondConnection.dataSource?.destroy();
    await Promise.all([payments?.close(), shipping?.close()]);
    await cleanUp(prefix);
  }, 60000);

  /** What every check starts from: order o-1, open; no mail sent. */
  const options: ConsistencyOptions = {
    entities: [KitOrder, KitPayment],
    arrange: async () => {
      kitMailer.sent.length = 0;
      await payments
        .get(DataSource)
        .getRepository(KitOrder)
        .insert({ orderId: 'o-1', status: 'open' });
    },
    effects: { mail: () => kitMailer.sent },
  };

  const differencesIn = (report: ConsistencyReport, scenario: string): string[] =>
    report.scenarios.find((result) => result.scenario === scenario)?.differences ?? [];

  it('passes a correct handler under every fault, each of which applies to it', async () => {
    const report = await kit.assertConsistent(new ChargeOrder('o-1', 100), options);
    expect(
      report.scenarios.map((result) => [result.scenario, result.applies, result.differences]),
    ).toEqual([
      ['duplicate delivery, one after the other', true, []],
      ['duplicate delivery at the same time', true, []],
      ['crash before commit, then redelivery', true, []],
      ["transient error in one of the handler's statements, then retry", true, []],
      ['crash after commit, before dispatch', true, []],
      ['partial dispatch', true, []],
      ['lock expiry, redelivered to a second worker', true, []],
    ]);
    expect(MessagingTestKit.describe(report)).toMatch(/^kit\.ChargeOrder: consistent\n/);
  }, 120000);

  it('flags a write through a second connection: the redelivery after a rollback writes again', async () => {
    const report = await kit.verifyConsistency(new ChargeViaSecondConnection('o-1', 100), options);
    expect(report.consistent).toBe(false);
    expect(differencesIn(report, 'crash before commit, then redelivery')).toEqual([
      expect.stringMatching(/^2 rows in `\w*kit_payment` where the clean run has 1$/),
    ]);
    expect(differencesIn(report, 'duplicate delivery, one after the other')).toEqual([]);
    await expect(
      kit.assertConsistent(new ChargeViaSecondConnection('o-1', 100), options),
    ).rejects.toThrow(ConsistencyViolationError);
  }, 120000);

  it('flags a handler that swallows a failed statement: its write is lost', async () => {
    const report = await kit.verifyConsistency(new ChargeSwallowingErrors('o-1', 100), options);
    // On PostgreSQL the failed statement aborted the transaction: the library refuses the unit,
    // the message is retried, and nothing is lost (test/guarantees/swallowed-statement-error).
    expect(
      differencesIn(report, "transient error in one of the handler's statements, then retry"),
    ).toEqual(
      onPostgres
        ? []
        : [expect.stringMatching(/^0 rows in `\w*kit_payment` where the clean run has 1$/)],
    );
    expect(differencesIn(report, 'crash before commit, then redelivery')).toEqual([]);
  }, 120000);

  it('flags a random value in a business row', async () => {
    const report = await kit.verifyConsistency(new ChargeWithRandomReference('o-1', 100), options);
    expect(report.consistent).toBe(false);
    for (const result of report.scenarios.filter((one) => one.applies))
      expect(result.differences).toEqual([
        expect.stringMatching(
          /^a row in `\w*kit_payment` differs: reference is "[0-9a-f-]{36}" where the clean run has "[0-9a-f-]{36}"$/,
        ),
      ]);
  }, 120000);

  it('flags a side effect outside the transaction: the email goes out again on redelivery', async () => {
    const report = await kit.verifyConsistency(new ChargeAndMailAtOnce('o-1', 100), options);
    expect(differencesIn(report, 'crash before commit, then redelivery')).toEqual([
      'effect "mail" is ["receipt for o-1","receipt for o-1"] where the clean run\'s is ["receipt for o-1"]',
    ]);
    expect(differencesIn(report, 'duplicate delivery at the same time')).toEqual([]);
  }, 120000);

  it('flags an outgoing message built from the clock', async () => {
    const report = await kit.verifyConsistency(new ChargeWithClockReceipt('o-1', 100), options);
    expect(differencesIn(report, 'crash before commit, then redelivery')).toEqual([
      expect.stringMatching(
        /^outgoing message 1 \(kit\.ReceiptIssued\) differs: payload\.issuedAt is [\d.]+ where the clean run has [\d.]+$/,
      ),
    ]);
  }, 120000);

  it('leaves out the payload fields it is told to', async () => {
    const report = await kit.verifyConsistency(new ChargeWithClockReceipt('o-1', 100), {
      ...options,
      ignoreFields: ['kit.ReceiptIssued.issuedAt'],
    });
    expect(report.consistent).toBe(true);
  }, 120000);

  it('refuses a check that could not see anything: no change, unknown columns, production', async () => {
    await expect(
      kit.verifyConsistency(new ChargeWithRandomReference('o-1', 100), { entities: [KitShipment] }),
    ).rejects.toThrow(
      /One clean delivery of kit\.ChargeWithRandomReference changed nothing the check compares/,
    );
    await expect(
      kit.verifyConsistency(new ChargeOrder('o-1', 100), { ...options, ignoreColumns: ['nope'] }),
    ).rejects.toThrow(/ignoreColumns names no column of the compared tables: nope/);
    process.env.NODE_ENV = 'production';
    try {
      await expect(kit.verifyConsistency(new ChargeOrder('o-1', 100), options)).rejects.toThrow(
        /refuses to run with NODE_ENV=production/,
      );
    } finally {
      process.env.NODE_ENV = 'test';
    }
  });

  it('checks an output-layer handler sends the same idempotency key on every attempt', async () => {
    const output: ConsistencyOptions = {
      endpoint: KIT_SHIPPING,
      arrange: () => void (kitCardProvider.keys.length = 0),
      idempotencyKeys: () => kitCardProvider.keys,
    };
    const good = await kit.assertConsistent(new AuthorizeCard('o-9'), output);
    expect(good.scenarios.map((result) => result.scenario)).toEqual([
      'duplicate delivery, one after the other',
      'duplicate delivery at the same time',
    ]);
    const broken = await kit.verifyConsistency(new AuthorizeCardWithFreshKey('o-9'), output);
    expect(broken.consistent).toBe(false);
    expect(differencesIn(broken, 'duplicate delivery at the same time')).toEqual([
      expect.stringMatching(
        /^the external system received the keys \[.+,.+\] where the clean run sent \[.+\]$/,
      ),
    ]);
    await expect(
      kit.verifyConsistency(new AuthorizeCard('o-9'), { endpoint: KIT_SHIPPING }),
    ).rejects.toThrow(/give verifyConsistency idempotencyKeys/);
  });

  it('handles one attempt in process: outcome, then a duplicate, and what it recorded', async () => {
    const envelope = kit.envelopeOf(new ChargeOrder('o-2', 5));
    const first = await kit.handle(envelope);
    expect(first.outcome).toBe('handled');
    expect(
      first.recorded.map(({ type, destination, payload }) => ({ type, destination, payload })),
    ).toEqual([
      { type: 'kit.OrderCharged', destination: null, payload: { orderId: 'o-2', amount: 5 } },
      { type: 'kit.ShipOrder', destination: KIT_SHIPPING, payload: { orderId: 'o-2' } },
    ]);
    expect((await kit.handle(envelope)).outcome).toBe('duplicate');
    await kit.drain();
    expect((await kit.recorded()).every((message) => message.dispatched)).toBe(true);
    const shipped = await shipping
      .get(DataSource)
      .getRepository(KitShipment)
      .findOneBy({ orderId: 'o-2' });
    expect(shipped).not.toBeNull();
  });

  it('delivers through the queue and the worker, and reports a dead letter', async () => {
    const delivered = await kit.deliver(new ShipOrder('o-3'), { endpoint: KIT_SHIPPING });
    expect(delivered).toMatchObject({ outcome: 'handled', attempts: 1, recorded: [] });
    // A second shipment of o-3 breaks the primary key on every attempt.
    const again = await kit.deliver(new ShipOrder('o-3'), { endpoint: KIT_SHIPPING });
    expect(again).toMatchObject({ outcome: 'dead-lettered', attempts: 3 });
    expect(again.error).toMatch(DUPLICATE_KEY);
  });

  it('says at once that an endpoint has no handler for what it is to deliver', async () => {
    await expect(
      kit.deliver(new ChargeOrder('o-6', 1), { endpoint: KIT_SHIPPING }),
    ).rejects.toThrow(UnhandledTestMessageError);
    await expect(kit.handle(new ChargeOrder('o-6', 1), { endpoint: 'kit-none' })).rejects.toThrow(
      /No application of this kit is endpoint "kit-none"/,
    );
  });

  it('names what is still pending when drain runs out of time', async () => {
    // A command shipping has no handler for waits there (a newer instance might have one).
    await payments.get(DataSource).transaction(async () => {
      payments.get(MessagePublisher).send(KIT_SHIPPING, new ChargeOrder('o-4', 1));
    });
    await expect(kit.drain({ timeoutMs: 500 })).rejects.toThrow(MessagingNotQuietError);
    await expect(kit.drain({ timeoutMs: 500 })).rejects.toThrow(
      /queue "kit-shipping": 1 (delayed|waiting|active)/,
    );
  });
});

@Injectable()
class CheckoutService {
  constructor(private readonly publisher: MessagePublisher) {}

  @Outbox()
  async checkout(orderId: string): Promise<string> {
    return this.publisher.send('kit-payments', new ChargeOrder(orderId, 10));
  }
}

describe('an @Outbox() method in a unit test with MessagePublisher mocked', () => {
  it('runs as a plain method once runOutboxMethodsDirectly binds it', async () => {
    const send = jest.fn().mockReturnValue('id-1');
    const moduleRef = await Test.createTestingModule({
      providers: [CheckoutService, { provide: MessagePublisher, useValue: { send } }],
    }).compile();
    const service = moduleRef.get(CheckoutService);
    runOutboxMethodsDirectly(service);
    expect(await service.checkout('o-5')).toBe('id-1');
    expect(send).toHaveBeenCalledWith('kit-payments', new ChargeOrder('o-5', 10));
    await moduleRef.close();
  });
});
