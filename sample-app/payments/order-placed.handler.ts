import { Injectable } from '@nestjs/common';
import { ConsistentHandler, MessageContext, deterministicMessageId } from '../../lib';
import { endpoints } from '../config';
import { AuthorizeCreditCard } from '../messages/authorize-credit-card.command';
import { OrderPlaced } from '../messages/order-placed.event';
import { Payment } from './payment.entity';

/** Core layer: one pending payment per placed order, and the command to charge the card. */
@Injectable()
export class OrderPlacedHandler {
  @ConsistentHandler(OrderPlaced)
  async startPayment(event: OrderPlaced, context: MessageContext): Promise<void> {
    const payment: Payment = {
      // From the message, not random: every attempt at it builds the same payment and command.
      id: deterministicMessageId(context.messageId, 'payment'),
      orderId: event.orderId,
      amountCents: event.amountCents,
      status: 'pending',
      authorizationId: null,
    };
    await context.manager.insert(Payment, payment);
    // The command's id is the payment id, so the gateway's idempotency key is the payment id.
    context.send(
      endpoints.paymentsGateway,
      new AuthorizeCreditCard(payment.id, payment.amountCents),
      { messageId: payment.id },
    );
  }
}
