import { Message, messageTypeOf, NotAMessageError } from '../../lib';
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
});
