import { Injectable } from '@nestjs/common';
import { ConsistentHandler, MessageContext } from '../../lib';
import { PaymentSucceeded } from '../messages/payment-succeeded.event';
import { Order } from './order.entity';

/** Core layer: records the payment on the order, once per message. */
@Injectable()
export class PaymentSucceededHandler {
  @ConsistentHandler(PaymentSucceeded)
  async markPaid(event: PaymentSucceeded, context: MessageContext): Promise<void> {
    await context.manager.update(Order, { id: event.orderId }, { paymentId: event.paymentId });
    // Events are not ordered: ShipmentDispatched may have come first, so never go back from shipped.
    await context.manager.update(
      Order,
      { id: event.orderId, status: 'placed' },
      { status: 'paid' },
    );
  }
}
