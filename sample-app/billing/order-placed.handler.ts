import { Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { ConsistentHandler, MessageContext } from '../../lib';
import { OrderPlaced, PaymentSucceeded } from '../messages';
import { Payment } from './payment.entity';

/** Core layer: charges each placed order once and announces it, in one transaction. */
@Injectable()
export class OrderPlacedHandler {
  @ConsistentHandler(OrderPlaced)
  async charge(event: OrderPlaced, context: MessageContext): Promise<void> {
    const payment = { id: randomUUID(), orderId: event.orderId, amountCents: event.amountCents };
    await context.manager.insert(Payment, payment);
    context.publish(new PaymentSucceeded(event.orderId, payment.id));
  }
}
