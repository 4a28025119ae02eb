import { Message, messageTypeOf, NotAMessageError, UnknownMessageTypeError } from '../../lib';
import { messageTypeOfInstance, toMessageInstance } from '../../lib/messages/message-type';

@Message('billing.InvoiceIssued')
class InvoiceIssued {
  constructor(readonly invoiceId: string) {}
  describe(): string {
    return `invoice ${this.invoiceId}`;
  }
}

class OrderShipped {}

describe('message types', () => {
  it('uses the @Message() name, else the class name', () => {
    expect(messageTypeOf(InvoiceIssued)).toBe('billing.InvoiceIssued');
    expect(messageTypeOf(OrderShipped)).toBe('OrderShipped');
    expect(messageTypeOfInstance(new InvoiceIssued('i'))).toBe('billing.InvoiceIssued');
  });

  it.each([[{ a: 1 }], [null], [[1]], ['text'], [7]])('refuses %p as a message', (value) => {
    expect(() => messageTypeOfInstance(value)).toThrow(NotAMessageError);
  });

  it('rebuilds a payload as an instance without calling the constructor', () => {
    const message = toMessageInstance(InvoiceIssued, { invoiceId: 'i-1' });
    expect(message).toBeInstanceOf(InvoiceIssued);
    expect(message.describe()).toBe('invoice i-1');
  });
  it('takes the type from the prototype, never from a constructor the instance carries itself', () => {
    const body = JSON.parse('{"constructor":{"name":"sec.OrderPlaced"}}') as object;
    expect(messageTypeOfInstance(Object.assign(new OrderShipped(), body))).toBe('OrderShipped');
    // A body whose __proto__ key swaps the prototype for a plain object is no message at all.
    const swapped = Object.assign(
      new OrderShipped(),
      JSON.parse('{"__proto__":{"constructor":{"name":"x"}}}'),
    );
    expect(() => messageTypeOfInstance(swapped)).toThrow(NotAMessageError);
    const fake = Object.create({ constructor: InvoiceIssued }) as object;
    expect(() => messageTypeOfInstance(fake)).toThrow(NotAMessageError);
  });

  it('rebuilds a payload without honouring a __proto__ key', () => {
    const payload = JSON.parse('{"invoiceId":"i-2","__proto__":{"isAdmin":true}}') as object;
    const message = toMessageInstance(InvoiceIssued, payload);
    expect(message).toBeInstanceOf(InvoiceIssued);
    expect((message as { isAdmin?: boolean }).isAdmin).toBeUndefined();
  });
  it('quotes at most 120 characters of a type name from outside in errors', () => {
    const error = new UnknownMessageTypeError('billing', 'x'.repeat(100000));
    expect(error.message.length).toBeLessThan(250);
    expect(error.message).toMatch(/x{120}… \(100000 characters\)"/);
  });
});
