import { Injectable } from '@nestjs/common';
import { ConsistentHandler, MessageContext } from '../../lib';
import { PaymentSucceeded } from '../messages';
import { Order } from './order.entity';

/** Core layer: the order moves to "paid" exactly once per payment. */
@Injectable()
export class PaymentSucceededHandler {
  @ConsistentHandler(PaymentSucceeded)
  async markPaid(event: PaymentSucceeded, context: MessageContext): Promise<void> {
    await context.manager.update(Order, { id: event.orderId }, { status: 'paid' });
  }
}
