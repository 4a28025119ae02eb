import type { QueryRunner } from 'typeorm';
import { InvalidMessageError, MalformedMessageError, Message } from '../../lib';
import { orderedPlaceAt } from '../../lib/ordering/ordering-headers';
import { UnitOfWork } from '../../lib/unit-of-work/unit-of-work';
import { envelopeOf } from '../support/jobs';

@Message('ordering.Note')
class Note {
  constructor(readonly text: string) {}
}

function headersWith(extra: Record<string, string>) {
  return { ...envelopeOf(new Note('x')).headers, ...extra };
}

@Message('uow.OrderShipped', { orderingKey: 'orderId' })
class OrderShippedNote {
  constructor(readonly orderId: string) {}
}

@Message('uow.LineAdded', { orderingKey: (line: LineAdded) => `${line.orderId}/${line.sku}` })
class LineAdded {
  constructor(
    readonly orderId: number,
    readonly sku: string,
  ) {}
}

describe('ordering headers', () => {
  it("reads a keyed message's place at an endpoint", () => {
    const headers = headersWith({
      orderingKey: 'order-1',
      orderingSequences: JSON.stringify({ shipping: [5, 4], billing: [2, 0] }),
    });
    expect(orderedPlaceAt(headers, 'shipping')).toEqual({
      originEndpoint: 'test',
      key: 'order-1',
      sequence: 5,
      previous: 4,
    });
    expect(orderedPlaceAt(headers, 'billing')).toMatchObject({ sequence: 2, previous: 0 });
    // Numbered for other endpoints only (a copy re-sent by hand): no ordering here.
    expect(orderedPlaceAt(headers, 'audit')).toBeUndefined();
    expect(orderedPlaceAt(headersWith({}), 'shipping')).toBeUndefined();
  });

  it('dead-letters headers the library did not write', () => {
    const bad = [
      { orderingKey: 'k', orderingSequences: 'not json' },
      { orderingKey: 'k', orderingSequences: '[1, 0]' },
      { orderingKey: 'k', orderingSequences: JSON.stringify({ shipping: [1] }) },
      { orderingKey: 'k', orderingSequences: JSON.stringify({ shipping: [1, 1] }) },
      { orderingKey: 'k', orderingSequences: JSON.stringify({ shipping: [-2, -3] }) },
      { orderingKey: 'k', orderingSequences: JSON.stringify({ shipping: ['2', '1'] }) },
      { orderingKey: '', orderingSequences: JSON.stringify({ shipping: [2, 1] }) },
      { orderingKey: 'k'.repeat(192), orderingSequences: JSON.stringify({ shipping: [2, 1] }) },
    ];
    for (const extra of bad)
      expect(() => orderedPlaceAt(headersWith(extra), 'shipping')).toThrow(MalformedMessageError);
  });

  it('records the key given to publish or send, and refuses a bad one', () => {
    const unit = new UnitOfWork({} as QueryRunner, 'orders', 'library');
    unit.record(new Note('a'), 'shipping', { orderingKey: 'order-7' });
    expect(unit.pending[0].headers.orderingKey).toBe('order-7');
    unit.record(new Note('a'), 'shipping', { orderingKey: '😀'.repeat(191) });
    for (const orderingKey of [
      '',
      'k'.repeat(192),
      '😀'.repeat(192),
      'pad ',
      7 as unknown as string,
    ])
      expect(() => unit.record(new Note('b'), 'shipping', { orderingKey })).toThrow(
        InvalidMessageError,
      );
  });

  it('takes the key a message class declares, unless publish or send gives one', () => {
    const unit = new UnitOfWork({} as QueryRunner, 'orders', 'library');
    unit.record(new OrderShippedNote('order-1'), null);
    unit.record(new LineAdded(42, 'sku-9'), 'stock');
    unit.record(new OrderShippedNote('order-1'), null, { orderingKey: 'given' });
    expect(unit.pending.map((message) => message.headers.orderingKey)).toEqual([
      'order-1',
      '42/sku-9',
      'given',
    ]);
    expect(() => unit.record(new OrderShippedNote(undefined as unknown as string), null)).toThrow(
      /non-empty string \(from OrderShippedNote\.orderId\)/,
    );
  });

  it('checks at compile time that a declared key field exists', () => {
    // @ts-expect-error: no field "orderid" on the class
    @Message('uow.Misspelt', { orderingKey: 'orderid' })
    class Misspelt {
      constructor(readonly orderId: string) {}
    }
    expect(new Misspelt('x').orderId).toBe('x');
  });

  it('drops ordering headers given as custom headers: only the library sets them', () => {
    const unit = new UnitOfWork({} as QueryRunner, 'orders', 'library');
    const forwarded = { orderingKey: 'other', orderingSequences: '{"x":[2,1]}', tenant: 't1' };
    unit.record(new Note('a'), null, { headers: forwarded });
    unit.record(new Note('b'), null, { headers: forwarded, orderingKey: 'mine' });
    const [first, second] = unit.pending.map((message) => message.headers);
    expect(first).toMatchObject({ tenant: 't1' });
    expect(first.orderingKey).toBeUndefined();
    expect(first.orderingSequences).toBeUndefined();
    expect(second.orderingKey).toBe('mine');
    expect(second.orderingSequences).toBeUndefined();
  });
});
